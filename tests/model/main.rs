//! Model-based test of the whole engine: random sequences of host transitions
//! (contract section 1), legacy like requests (section 2, rules L1–L10;
//! section 4, the user variant) and v2 reaction requests (checks V1–V8 of
//! the `v2` module docs) run against the engine and against a small
//! reference model built on std collections. After every step both must
//! give the same answer and show the same state, and a refused step must
//! leave the engine exactly as it was.
//!
//! Both APIs act on one state: the model keeps, per message, one set of
//! (kind, user) reactions. The legacy like is the `like` kind, so a like set
//! through either API is seen by the other, and the per-message capacity
//! counts reactions of every kind (rule L9 and check V8 share it).
//!
//! The model re-derives every answer from the contract and the module docs;
//! it shares no code with the engine. Capacities are tiny and ids come from
//! small ranges, so full tables, duplicate ids, unknown ids, members and
//! non-members, owners and foreign applications all occur often.

mod aimed;
#[path = "../common/mod.rs"]
mod common;
mod observe;
mod reference;
mod reply;
mod steps;
mod strategies;
mod universe;

use imbot_like::{BotPolicy, Capacity, Engine, pool_for};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{FileFailurePersistence, RngAlgorithm};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

use aimed::aimed_steps;
use observe::assert_same_state;
use reference::{Caps, Model};
use reply::run;
use steps::Step;
use strategies::{BLIND_STEPS, with_keys};

/// The engine's sizing: 4 bots, 4 chats of up to 4 members, 8 messages
/// with up to 3 reactions each, every table small enough to fill up, and a
/// reaction pool that can never run out, so the only reaction refusals are
/// the per-message capacity's (a tight pool is the simulation's job, see
/// `tests/simulation.rs`), and a retry window of 4 keys, fewer than the
/// key numbers steps use, so keys are forgotten too.
type Sizing = Capacity<4, 4, 4, 8, 3, { pool_for(8, 3) }, 4>;

/// The engine under test.
type Sut = Engine<Sizing>;

/// Default number of generated cases; `PROPTEST_CASES` overrides it.
const DEFAULT_CASES: u32 = 2000;
/// Longest sequence of steps in one case.
const MAX_STEPS: usize = 100;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}
/// The reference state machine: the model, started empty under either L2
/// policy.
struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        prop_oneof![Just(BotPolicy::Strict), Just(BotPolicy::PortalCompatible)]
            .prop_map(|policy| Model::new(policy, Caps::of::<Sizing>()))
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let mut options = BLIND_STEPS.with(Clone::clone);
        aimed_steps(state, &mut options);
        // A union prepares a generator for every option before the one it
        // picks: heavy options first make a step cheaper to generate.
        options.sort_by_key(|&(weight, _)| std::cmp::Reverse(weight));
        with_keys(state, Union::new_weighted(options).boxed())
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        state.last = state.step(step);
        state
    }
}

/// The engine driven alongside the model.
struct EngineTest;

impl StateMachineTest for EngineTest {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(model: &Model) -> Sut {
        Sut::with_policy(model.policy)
    }

    fn apply(mut engine: Sut, model: &Model, step: Step) -> Sut {
        let before = engine.clone();
        let reply = run(&mut engine, &step);
        assert_eq!(
            reply, model.last,
            "engine and model answer {step:?} differently"
        );
        // A refused keyed request the window remembers changes the window
        // only; `check_invariants` compares the rest with the model.
        if reply.is_refused() && !model.remembered {
            assert_eq!(
                engine, before,
                "the refused step {step:?} changed the engine"
            );
        }
        engine
    }

    fn check_invariants(engine: &Sut, model: &Model) {
        assert_same_state(engine, model);
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        // Each step's weighted union seeds a fresh generator for every
        // option listed before the one it picks; XorShift keeps that cheap
        // in a debug build.
        rng_algorithm: RngAlgorithm::XorShift,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions"
        ))),
        ..ProptestConfig::default()
    })]

    /// Rules L1–L10 (section 2), the user variant (section 4), the outcome
    /// (section 3), every host transition (section 1) and the v2 checks
    /// V1–V8 with their outcome, all over one shared reaction state, agree
    /// with the reference model on random sequences under both L2 policies.
    #[test]
    fn model_legacy_and_v2_match_reference(sequential 1..=MAX_STEPS => EngineTest);
}
