#![doc = include_str!("../README.md")]

pub mod captcha;
pub mod form;
pub mod jpeg;
pub mod qr;
