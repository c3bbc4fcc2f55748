//! Characters that have no place in what a person types for a form: invisible formatting
//! (zero-width and direction marks), emoji, private-use code points and controls. They
//! are refused by name, because quoting an invisible character shows nothing.

use std::fmt;

/// A character refused in typed text, and which kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwanted {
    /// 零宽字符: U+200B ZERO WIDTH SPACE and the like.
    ZeroWidth(char),
    /// 方向控制字符: U+202E RIGHT-TO-LEFT OVERRIDE and the like.
    Direction(char),
    /// 表情符号.
    Emoji(char),
    /// 私用区字符: drawn by no standard font.
    PrivateUse(char),
    /// 控制字符.
    Control(char),
}

impl Unwanted {
    pub fn char(self) -> char {
        match self {
            Unwanted::ZeroWidth(c)
            | Unwanted::Direction(c)
            | Unwanted::Emoji(c)
            | Unwanted::PrivateUse(c)
            | Unwanted::Control(c) => c,
        }
    }

    /// Its kind in Chinese.
    pub fn kind(self) -> &'static str {
        match self {
            Unwanted::ZeroWidth(_) => "看不见的零宽字符",
            Unwanted::Direction(_) => "看不见的方向控制字符",
            Unwanted::Emoji(_) => "表情符号",
            Unwanted::PrivateUse(_) => "私用区字符（常见于生僻字输入法造的字）",
            Unwanted::Control(_) => "控制字符",
        }
    }
}

impl fmt::Display for Unwanted {
    /// "看不见的零宽字符（U+200B）": named, never quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（U+{:04X}）", self.kind(), u32::from(self.char()))
    }
}

fn classify(c: char) -> Option<Unwanted> {
    let cp = u32::from(c);
    match cp {
        0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x180E | 0x00AD => {
            Some(Unwanted::ZeroWidth(c))
        }
        0x200E | 0x200F | 0x061C | 0x202A..=0x202E | 0x2066..=0x2069 => {
            Some(Unwanted::Direction(c))
        }
        0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD => Some(Unwanted::PrivateUse(c)),
        // Emoji pictographs and their presentation selectors, flags and skin tones;
        // the symbols the form itself prints (★ ☐ ☑ ☒) stay allowed.
        0x1F000..=0x1FAFF | 0xFE0E | 0xFE0F | 0xE0020..=0xE007F => Some(Unwanted::Emoji(c)),
        _ if c.is_control() => Some(Unwanted::Control(c)),
        _ => None,
    }
}

/// The first character of `text` that has no place in it.
pub fn first_unwanted(text: &str) -> Option<Unwanted> {
    text.chars().find_map(classify)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_named_not_quoted() {
        let found = first_unwanted("张\u{200B}三").unwrap();
        assert_eq!(found, Unwanted::ZeroWidth('\u{200B}'));
        assert_eq!(found.to_string(), "看不见的零宽字符（U+200B）");
        assert_eq!(
            first_unwanted("上海\u{202E}医院").map(|u| u.to_string()),
            Some("看不见的方向控制字符（U+202E）".to_owned())
        );
        assert!(matches!(
            first_unwanted("医院😀"),
            Some(Unwanted::Emoji('😀'))
        ));
        assert!(matches!(
            first_unwanted("\u{E123}"),
            Some(Unwanted::PrivateUse(_))
        ));
        assert!(matches!(
            first_unwanted("a\u{7}"),
            Some(Unwanted::Control(_))
        ));
    }

    #[test]
    fn names_of_every_script_and_rare_characters_pass() {
        for text in [
            "张三",
            "阿依古丽·买买提",
            "𠮷野",
            "䶮",
            "O'Neil-Smith",
            "★☐☑",
        ] {
            assert_eq!(first_unwanted(text), None, "{text}");
        }
    }
}
