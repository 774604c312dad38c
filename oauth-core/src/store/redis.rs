//! `RedisStore` (being written).
