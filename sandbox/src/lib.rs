//! zoho-sandbox: being written.
