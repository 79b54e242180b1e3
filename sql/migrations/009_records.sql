-- Reserved: permits and advertising records — ingest.
SELECT 1;
