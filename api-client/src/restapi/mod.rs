//! Legacy restapi.
