"""Storage plumbing: engine, SQL tables, cache generations, leader lock, event transcodings."""
