//! Id newtypes and the parsing of raw id parameters (rules L1 and L4 decide
//! with these reasons).

use imbot_like::{Arg, BotId, ChatId, IdError, MessageId, UserId};

#[test]
fn ids_are_positive() {
    assert_eq!(UserId::new(0), None);
    assert_eq!(ChatId::new(1).map(ChatId::get), Some(1));
    assert_eq!(MessageId::new(0), None);
    assert_eq!(
        MessageId::new(MessageId::MAX).map(MessageId::get),
        Some(i64::MAX as u64)
    );
    assert_eq!(MessageId::new(MessageId::MAX + 1), None);
}

#[test]
fn bot_ids_and_user_ids_share_one_space() {
    let bot = BotId::new(39).unwrap();
    assert_eq!(bot.user(), UserId::new(39).unwrap());
    assert_eq!(UserId::from(bot).get(), 39);
}

// rules L1 and L4
#[test]
fn decimal_strings_parse_like_numbers() {
    assert_eq!("39".parse::<BotId>(), Ok(BotId::new(39).unwrap()));
    assert_eq!("007".parse::<UserId>(), Ok(UserId::new(7).unwrap()));
    assert_eq!(
        "4294967295".parse::<ChatId>().map(ChatId::get),
        Ok(u32::MAX)
    );
    assert_eq!(
        "9223372036854775807"
            .parse::<MessageId>()
            .map(MessageId::get),
        Ok(MessageId::MAX)
    );
}

// rules L1 and L4
#[test]
fn malformed_ids_have_precise_reasons() {
    let cases = [
        ("", IdError::Empty),
        ("abc", IdError::NotANumber),
        ("12abc", IdError::NotANumber),
        (" 12", IdError::NotANumber),
        ("+12", IdError::NotANumber),
        ("1.0", IdError::NotANumber),
        ("-", IdError::NotANumber),
        ("0", IdError::NotPositive),
        ("000", IdError::NotPositive),
        ("-5", IdError::NotPositive),
        ("-0", IdError::NotPositive),
        ("4294967296", IdError::TooLarge),
        ("99999999999999999999999", IdError::TooLarge),
    ];
    for (text, reason) in cases {
        assert_eq!(text.parse::<BotId>(), Err(reason), "{text:?}");
    }
    assert_eq!(
        "9223372036854775808".parse::<MessageId>(),
        Err(IdError::TooLarge)
    );
    assert_eq!(
        "-99999999999999999999".parse::<MessageId>(),
        Err(IdError::NotPositive)
    );
}

// rules L1 and L4: JSON numbers
#[test]
fn signed_integers_are_checked() {
    assert_eq!(BotId::from_i64(39).map(BotId::get), Ok(39));
    assert_eq!(BotId::from_i64(0), Err(IdError::NotPositive));
    assert_eq!(BotId::from_i64(-1), Err(IdError::NotPositive));
    assert_eq!(BotId::from_i64(1 << 32), Err(IdError::TooLarge));
    assert_eq!(
        MessageId::from_i64(i64::MAX).map(MessageId::get),
        Ok(MessageId::MAX)
    );
    assert_eq!(MessageId::try_from(u64::MAX), Err(IdError::TooLarge));
}

#[test]
fn args_keep_omitted_given_and_invalid_apart() {
    assert_eq!(
        Arg::<BotId>::parse("39"),
        Arg::Given(BotId::new(39).unwrap())
    );
    assert_eq!(Arg::<BotId>::parse("x"), Arg::Invalid(IdError::NotANumber));
    assert_eq!(Arg::<BotId>::from(None), Arg::Omitted);
    assert_eq!(Arg::<BotId>::default(), Arg::Omitted);
}

#[test]
fn ids_display_as_plain_numbers() {
    assert_eq!(MessageId::new(12).unwrap().to_string(), "12");
    assert_eq!(UserId::new(3).unwrap().to_string(), "3");
    assert_eq!(IdError::TooLarge.to_string(), "too large");
}
