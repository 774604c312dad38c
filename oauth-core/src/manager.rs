//! The token manager (being written).
