//! Several clients at once: 2,000 mixed plus/minus/auto requests from four
//! threads. Every `true` a client received must be exactly one change, so
//! for each (user, message) the final state is the initial state flipped
//! once per `true`: nothing lost, nothing doubled.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use common::Server;

const THREADS: u64 = 4;
const PER_THREAD: u64 = 500;
/// Users 1 to 4 act through webhooks; bot 39 through its app's token.
const ACTORS: [u32; 5] = [1, 2, 3, 4, 39];
const MESSAGES: [u64; 3] = [1, 2, 3];

const WORLD: &str = r#"{
  "apps": [{"client_id": "app.demo", "tokens": [{"token": "t-demo", "scopes": ["imbot"]}]}],
  "webhooks": [
    {"user_id": 1, "token": "w1", "scopes": ["im"]}, {"user_id": 2, "token": "w2", "scopes": ["im"]},
    {"user_id": 3, "token": "w3", "scopes": ["im"]}, {"user_id": 4, "token": "w4", "scopes": ["im"]}
  ],
  "bots": [{"id": 39, "app": "app.demo"}],
  "chats": [{"id": 7, "members": [1, 2, 3, 4, 39]}],
  "messages": [
    {"id": 1, "chat": 7, "author": 1, "likes": []},
    {"id": 2, "chat": 7, "author": 2, "likes": [1, 39]},
    {"id": 3, "chat": 7, "author": 39, "likes": [2, 3, 4]}
  ]
}"#;

/// A small deterministic generator (64-bit LCG), one stream per thread.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Sends one random request; returns its (actor, message) when it answered
/// `true`.
fn one_request(s: &Server, rng: &mut Lcg) -> Option<(u32, u64)> {
    let actor = ACTORS[rng.below(ACTORS.len())];
    let message = MESSAGES[rng.below(MESSAGES.len())];
    let action = ["plus", "minus", "auto"][rng.below(3)];
    let answer = match (actor, rng.below(2)) {
        (39, 0) => s.form("/rest/imbot.message.like", &format!("auth=t-demo&MESSAGE_ID={message}&ACTION={action}")),
        (39, _) => s.get(&format!("/rest/imbot.message.like.json?auth=t-demo&BOT_ID=39&MESSAGE_ID={message}&ACTION={action}")),
        (user, 0) => s.json(
            &format!("/rest/{user}/w{user}/im.message.like"),
            &format!(r#"{{"MESSAGE_ID":{message},"ACTION":"{action}"}}"#),
        ),
        (user, _) => s.get(&format!("/rest/{user}/w{user}/im.message.like?MESSAGE_ID={message}&ACTION={action}")),
    };
    if answer.is_true() {
        return Some((actor, message));
    }
    answer.assert_error(400, "WITHOUT_CHANGES");
    assert_ne!(action, "auto", "auto always changes something here");
    None
}

#[test]
fn every_true_is_exactly_one_change() {
    let s = Server::start(WORLD);
    let initial: HashMap<(u32, u64), bool> = ACTORS
        .iter()
        .flat_map(|&a| MESSAGES.iter().map(move |&m| (a, m)))
        .map(|(a, m)| ((a, m), s.liked(m, a)))
        .collect();
    let trues: Mutex<HashMap<(u32, u64), u64>> = Mutex::new(HashMap::new());
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (s, trues) = (&s, &trues);
            scope.spawn(move || {
                let mut rng = Lcg(0x5eed + t);
                for _ in 0..PER_THREAD {
                    if let Some(pair) = one_request(s, &mut rng) {
                        *trues.lock().unwrap().entry(pair).or_default() += 1;
                    }
                }
            });
        }
    });
    let trues = trues.into_inner().unwrap();
    assert!(trues.values().sum::<u64>() > 0);
    for (&(actor, message), &was) in &initial {
        let flips = trues.get(&(actor, message)).copied().unwrap_or(0);
        let want = was ^ (flips % 2 == 1);
        assert_eq!(
            s.liked(message, actor),
            want,
            "user {actor}, message {message}: {flips} flips"
        );
    }
}
