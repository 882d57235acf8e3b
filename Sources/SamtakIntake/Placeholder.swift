enum SamtakIntakePlaceholder {}
