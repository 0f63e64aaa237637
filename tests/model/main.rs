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

use imbot_like::{BotPolicy, Capacity, Engine, Reaction, pool_for};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{FileFailurePersistence, RngAlgorithm};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

use aimed::aimed_steps;
use observe::assert_same_state;
use reference::Model;
use reply::run;
use steps::{BLIND_STEPS, Step};

/// Registered bots the engine holds.
const BOTS: usize = 4;
/// Open chats the engine holds.
const CHATS: usize = 4;
/// Members of one chat.
const MEMBERS: usize = 4;
/// Stored messages.
const MESSAGES: usize = 8;
/// Reactions of all kinds (likes included) on one message.
const LIKES: usize = 3;

/// The engine under test: every table small enough to fill up, and a
/// reaction pool that can never run out, so the only reaction refusals are
/// the per-message capacity's (the pool's own refusal has its tests in
/// `tests/capacity.rs`).
type Sut = Engine<Capacity<BOTS, CHATS, MEMBERS, MESSAGES, LIKES, { pool_for(MESSAGES, LIKES) }>>;

/// Users and bots share one id space: 1..=8.
const USER_IDS: std::ops::RangeInclusive<u32> = 1..=8;
/// Chat ids: 1..=5, one more than the chat table holds.
const CHAT_IDS: std::ops::RangeInclusive<u32> = 1..=5;
/// Message ids: 1..=10, more than the message table holds.
const MESSAGE_IDS: std::ops::RangeInclusive<u64> = 1..=10;
/// Application handles: 0..=3 (a caller may also have none).
const APP_IDS: std::ops::RangeInclusive<u32> = 0..=3;
/// The reaction kinds requests use: `like` (the legacy like), the first and
/// the last kind of [`Reaction::ALL`], and two between them.
const KINDS: [Reaction; 5] = [
    Reaction::Like,
    Reaction::Dislike,
    Reaction::RedHeart,
    Reaction::Eyes,
    Reaction::HundredPoints,
];

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
            .prop_map(Model::new)
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let mut options = BLIND_STEPS.with(Clone::clone);
        aimed_steps(state, &mut options);
        // A union prepares a generator for every option before the one it
        // picks: heavy options first make a step cheaper to generate.
        options.sort_by_key(|&(weight, _)| std::cmp::Reverse(weight));
        Union::new_weighted(options).boxed()
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
        if reply.is_refused() {
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
