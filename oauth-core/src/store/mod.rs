//! Token stores (being written).
