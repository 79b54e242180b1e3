-- Reserved: analyses (issue 6) — analysis.
SELECT 1;
