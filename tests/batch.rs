//! `Engine::like_batch` answers exactly as `Engine::like` one by one, and
//! leaves the same state.

mod common;

use common::*;
use imbot_like::{Action, AppId, LikeError, LikeRequest, Outcome};

/// Every combination of caller, bot, message and action the small world
/// offers, in an order that revisits messages, so later requests see the
/// changes of earlier ones in the same group.
fn requests() -> Vec<LikeRequest> {
    let mut all = Vec::new();
    for round in 0..3u64 {
        for message in [M_ALICE, M_CAROL, M_BOT, 999] {
            for (app, id) in [
                (APP_A, BOT_A),
                (APP_B, BOT_B1),
                (APP_B, BOT_B2),
                (APP_A, BOT_B1),
            ] {
                for action in [Action::Plus, Action::Auto, Action::Minus] {
                    let request = LikeRequest::new(msg(message)).app(app).bot(bot(id));
                    all.push(request.action(action));
                }
            }
            let omitted = LikeRequest::new(msg(message)).app(AppId(u32::try_from(round).unwrap()));
            all.push(omitted);
        }
    }
    all
}

#[test]
fn a_batch_answers_as_the_requests_one_by_one() {
    let requests = requests();
    assert!(requests.len() > 16, "several groups of the batch");
    let mut single = strict_world();
    let expected: Vec<Result<Outcome, LikeError>> =
        requests.iter().map(|r| single.like(r)).collect();
    let mut batched = strict_world();
    let mut answers = vec![Err(LikeError::NotLiked); requests.len()];
    assert_eq!(batched.like_batch(&requests, &mut answers), requests.len());
    assert_eq!(answers, expected);
    assert_eq!(batched, single);
}

#[test]
fn a_batch_stops_at_the_shorter_slice() {
    let requests = requests();
    let mut e = strict_world();
    let mut answers = vec![Err(LikeError::NotLiked); 5];
    assert_eq!(e.like_batch(&requests, &mut answers), 5);
    assert_eq!(e.like_batch(&requests[..2], &mut answers), 2);
}
