-- A notice to the people of a new team against bullying (issue 18's leftover): the person
-- responsible, the formally responsible and the members are told a team is set up, with a
-- link to the team's page and nothing about the pupil (Sources/SamtakNotifier/Engine/Notices.swift).
ALTER TABLE documents DROP CONSTRAINT documents_notice_check;
ALTER TABLE documents ADD CONSTRAINT documents_notice_check
    CHECK (notice IN ('handover_requested', 'handed_over', 'handover_declined', 'handover_cancelled', 'evaluation_due', 'minutes_overdue',
                      'referral_information_requested', 'referral_follow_up_assigned', 'referral_follow_up_overdue', 'talk_reminder',
                      'bullying_team_established'));
