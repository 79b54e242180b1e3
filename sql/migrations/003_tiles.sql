-- Reserved: tile change tracking (triggers, NOTIFY) — tiles.
SELECT 1;
