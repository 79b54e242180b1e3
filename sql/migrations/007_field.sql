-- Reserved: field and consultation writes — web.
SELECT 1;
