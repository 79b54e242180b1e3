-- Reserved: audit log (issue 8) — audit.
SELECT 1;
