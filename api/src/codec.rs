//! The wire encoding of Berth's server functions: JSON, read as text.
//!
//! The same `application/json` bodies as `server_fn`'s own JSON codec, with
//! one difference that matters in the browser: answers are decoded from a
//! `&str`, as the answers embedded in a server-rendered page are when it
//! hydrates. `server_fn`'s codec decodes from bytes, which makes the compiler
//! build every answer type's decoder twice (one per kind of reader) into
//! the WASM; reading both as text builds each once.

use serde::{de::DeserializeOwned, Serialize};
use server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON in a `POST` body and in the answer; see the module's documentation.
pub type Json = Post<JsonText>;

/// JSON, decoded from text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppError, ErrorCode, FieldError};

    #[test]
    fn reads_what_it_writes_and_names_bad_input() {
        let e = AppError::Validation {
            fields: vec![FieldError {
                field: "name".into(),
                code: ErrorCode::Required,
                message: "required".into(),
                detail: None,
            }],
        };
        let bytes = <JsonText as Encodes<AppError>>::encode(&e).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"validation":{"fields":[{"field":"name","code":"required","message":"required"}]}}"#
        );
        let back: AppError = <JsonText as Decodes<AppError>>::decode(bytes).unwrap();
        assert_eq!(back, e);
        let not_text = <JsonText as Decodes<AppError>>::decode(Bytes::from_static(b"\"\xff\""));
        assert!(not_text.unwrap_err().to_string().contains("utf-8"));
    }
}
