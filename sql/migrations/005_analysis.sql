-- Reserved: analyses — analysis.
SELECT 1;
