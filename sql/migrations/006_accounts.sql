-- Reserved: accounts and audit — access/auth.
SELECT 1;
