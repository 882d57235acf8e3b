enum SamtakNotifierPlaceholder {}
