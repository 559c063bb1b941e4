"""Harness logic for the peers benchmark; pure Python (no numpy), so its tests need pytest only."""
