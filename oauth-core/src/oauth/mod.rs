//! Zoho OAuth 2.0 flows (being written).
