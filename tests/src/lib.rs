//! Workspace-level integration tests live in `tests/tests/`. This library is empty on
//! purpose: it only gives the test package a home.
