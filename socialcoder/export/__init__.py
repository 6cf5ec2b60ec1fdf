"""Export tables and writers (see socialcoder.export.tables and socialcoder.export.writers)."""
