#![doc = include_str!("../README.md")]

pub mod captcha;
pub mod jpeg;
