use proptest::prelude::*;
use time::macros::date;

use super::*;

const TODAY: Date = date!(2024 - 12 - 01);

fn resident(raw: &str) -> Result<IdNumber, IdNumberError> {
    IdNumber::parse(IdType::ResidentId, raw, TODAY)
}

#[test]
fn the_worked_examples_of_gb_11643() {
    let a = resident("310101199003071230").unwrap();
    assert_eq!(a.birth_date(), Some(date!(1990 - 03 - 07)));
    assert_eq!(a.gender(), Some(Gender::Male));
    let b = resident("31011519881125432x").unwrap();
    assert_eq!(b.as_str(), "31011519881125432X", "a typed x is stored as X");
    assert_eq!(b.gender(), Some(Gender::Female));
    assert_eq!(
        resident("310104199506140022").unwrap().gender(),
        Some(Gender::Female)
    );
    assert_eq!(
        resident("310101199003071231"),
        Err(IdNumberError::ResidentCheckDigit)
    );
    assert_eq!(
        resident("310101199002301233"),
        Err(IdNumberError::ResidentBirthDate)
    );
}

#[test]
fn resident_ids_of_the_wrong_shape_or_time() {
    assert_eq!(resident(""), Err(IdNumberError::Empty));
    assert_eq!(
        resident("31010119900307123"),
        Err(IdNumberError::ResidentLength)
    );
    assert_eq!(
        resident("3101011990030712300"),
        Err(IdNumberError::ResidentLength)
    );
    assert_eq!(
        resident("31010119900307123Y"),
        Err(IdNumberError::ResidentCharacters)
    );
    assert_eq!(
        resident("3101011990O3071230"),
        Err(IdNumberError::ResidentCharacters)
    );
    // Born tomorrow, and born before 1900 (check digits made valid).
    assert_eq!(
        resident(&with_check("31010120241202123")),
        Err(IdNumberError::ResidentBirthDate)
    );
    assert_eq!(
        resident(&with_check("31010118991231123")),
        Err(IdNumberError::ResidentBirthDate)
    );
    assert!(
        resident(" 3101 0119 9003 0712 30 ").is_ok(),
        "spaces are ignored"
    );
}

/// Appends the GB 11643 check character to 17 digits.
fn with_check(first17: &str) -> String {
    format!("{first17}{}", gb11643_check_char(first17).unwrap())
}

proptest! {
    #[test]
    fn any_real_birth_date_with_its_check_digit_is_accepted(
        area in 110000u32..660000, days in 0i64..40_000, seq in 0u32..1000,
    ) {
        let birth = date!(1910 - 01 - 01) + time::Duration::days(days);
        prop_assume!(birth <= TODAY);
        let first17 = format!("{area:06}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
        let id = resident(&with_check(&first17)).unwrap();
        prop_assert_eq!(id.birth_date(), Some(birth));
        prop_assert_eq!(id.gender(), Some(if seq % 2 == 1 { Gender::Male } else { Gender::Female }));
    }

    #[test]
    fn any_other_check_character_is_refused(
        area in 110000u32..660000, days in 0i64..30_000, seq in 0u32..1000, wrong in 0usize..11,
    ) {
        let birth = date!(1920 - 01 - 01) + time::Duration::days(days);
        let first17 = format!("{area:06}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
        let good = with_check(&first17);
        let bad = format!("{first17}{}", char::from(CHECK[wrong]));
        prop_assume!(bad != good);
        prop_assert_eq!(resident(&bad), Err(IdNumberError::ResidentCheckDigit));
    }

    #[test]
    fn changing_one_digit_is_always_caught(
        area in 110000u32..660000, days in 0i64..30_000, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10,
    ) {
        let birth = date!(1920 - 01 - 01) + time::Duration::days(days);
        let first17 = format!("{area:06}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
        let mut bytes = with_check(&first17).into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(resident(&changed).is_err(), "{}", changed);
    }
}

#[test]
fn other_document_types_follow_their_formats() {
    let ok = |t, raw: &str| IdNumber::parse(t, raw, TODAY).map(|n| n.to_string());
    assert_eq!(
        ok(IdType::HkMoTwResidence, &with_check("81000019900307123")),
        Ok(with_check("81000019900307123"))
    );
    assert_eq!(
        ok(IdType::HkMoTwResidence, "310101199003071230"),
        Err(IdNumberError::ResidencePrefix)
    );
    assert_eq!(
        ok(IdType::HkMoPermit, "h12345678"),
        Ok("H12345678".to_owned())
    );
    assert_eq!(
        ok(IdType::HkMoPermit, "M1234567801"),
        Ok("M1234567801".to_owned())
    );
    assert_eq!(
        ok(IdType::HkMoPermit, "X12345678"),
        Err(IdNumberError::HkMoPermit)
    );
    assert_eq!(ok(IdType::TwPermit, "12345678"), Ok("12345678".to_owned()));
    assert_eq!(
        ok(IdType::TwPermit, "1234567"),
        Err(IdNumberError::TwPermit)
    );
    assert_eq!(
        ok(IdType::ForeignPermanent, "usa123456789012"),
        Ok("USA123456789012".to_owned())
    );
    assert_eq!(
        ok(IdType::ForeignPermanent, &with_check("93000019900307123")),
        Ok(with_check("93000019900307123"))
    );
    assert_eq!(
        ok(IdType::ForeignPermanent, "310101199003071230"),
        Err(IdNumberError::ForeignPermanent)
    );
    assert_eq!(
        ok(IdType::Passport, "E12345678"),
        Ok("E12345678".to_owned())
    );
    assert_eq!(
        ok(IdType::Passport, "E1234-678"),
        Err(IdNumberError::Passport)
    );
    assert_eq!(
        IdNumber::parse(IdType::Passport, "E12345678", TODAY)
            .unwrap()
            .birth_date(),
        None
    );
}

#[test]
fn numbers_are_masked_for_public_pages() {
    assert_eq!(
        resident("310101199003071230").unwrap().masked(),
        "3101**********1230"
    );
}

#[test]
fn names_accept_rare_characters_and_the_middle_dot() {
    let ok = |raw| PersonName::parse(raw).map(|n| n.to_string());
    assert_eq!(ok("  张三  "), Ok("张三".to_owned()));
    assert_eq!(ok("王𠀀"), Ok("王𠀀".to_owned()), "CJK Extension B");
    assert_eq!(ok("䶮"), Ok("䶮".to_owned()), "CJK Extension A");
    assert_eq!(
        ok("阿依古丽・买买提"),
        Ok("阿依古丽·买买提".to_owned()),
        "katakana dot becomes U+00B7"
    );
    assert_eq!(ok("John  O'Neil-Smith"), Ok("John O'Neil-Smith".to_owned()));
    assert_eq!(ok("e\u{301}mile"), Ok("\u{e9}mile".to_owned()), "NFC");
    assert_eq!(ok(""), Err(PersonNameError::Empty));
    assert_eq!(ok("张三3"), Err(PersonNameError::Characters));
    assert_eq!(
        ok("张\u{0}三"),
        Err(PersonNameError::Unwanted(crate::text::Unwanted::Control(
            '\u{0}'
        )))
    );
    assert_eq!(
        ok("张\u{200B}三").map_err(|e| e.to_string()),
        Err("姓名中含有看不见的零宽字符（U+200B），请删除后重新输入".to_owned())
    );
    assert_eq!(ok("<script>"), Err(PersonNameError::Characters));
    assert_eq!(ok("·张三"), Err(PersonNameError::Characters));
    assert_eq!(ok(&"张".repeat(51)), Err(PersonNameError::TooLong));
    assert_eq!(PersonName::parse("欧阳修").unwrap().masked(), "欧**");
}

#[test]
fn phones_and_emails() {
    assert_eq!(
        Phone::parse("138 1234 5678").map(|p| p.0),
        Ok("13812345678".to_owned())
    );
    assert_eq!(
        Phone::parse("+85291234567").map(|p| p.0),
        Ok("+85291234567".to_owned())
    );
    assert_eq!(Phone::parse("12812345678"), Err(PhoneError));
    assert_eq!(Phone::parse("1381234567"), Err(PhoneError));
    assert_eq!(Phone::parse("+0123"), Err(PhoneError));
    assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
    assert!(Email::parse("li.hua@example.com").is_ok());
    for bad in [
        "",
        "li",
        "li@",
        "@example.com",
        "li@example",
        "li hua@example.com",
        "a@b.c>",
    ] {
        assert_eq!(Email::parse(bad), Err(EmailError), "{bad:?}");
    }
}
