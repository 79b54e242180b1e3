-- Reserved: field writes (issue 7) — web.
SELECT 1;
