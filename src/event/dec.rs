//! The exact decimal of measures and Rupiah as the format stores it.

use bincode::{Decode, Encode};
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;

/// An exact decimal (measures and Rupiah), persisted as its mantissa (i128
/// little-endian) and scale (u8, at most 28). Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Dec(pub Decimal);

impl Encode for Dec {
    fn encode<E: bincode::enc::Encoder>(&self, e: &mut E) -> Result<(), bincode::error::EncodeError> {
        self.0.mantissa().encode(e)?;
        (self.0.scale() as u8).encode(e)
    }
}

impl<Context> Decode<Context> for Dec {
    fn decode<D: bincode::de::Decoder<Context = Context>>(
        d: &mut D,
    ) -> Result<Self, bincode::error::DecodeError> {
        let mantissa = i128::decode(d)?;
        let scale = u8::decode(d)?;
        Decimal::try_from_i128_with_scale(mantissa, u32::from(scale))
            .map(Dec)
            .map_err(|_| bincode::error::DecodeError::Other("decimal out of range"))
    }
}
bincode::impl_borrow_decode!(Dec);

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
