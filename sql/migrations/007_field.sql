-- Field and consultation writes: receipt numbers for residents' comments.
CREATE SEQUENCE consultation_receipt_seq START 1000;
