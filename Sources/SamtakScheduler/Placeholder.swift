enum SamtakSchedulerPlaceholder {}
