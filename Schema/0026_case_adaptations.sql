-- The form of adaptations a teacher has tried before the ressursteam discusses a case
-- (issue 15; the seeds: "I forkant av drøfting i ressursteam skal lærere fylle ut et skjema
-- med hvilke tilpasninger de har gjort på så langt"): one row per adaptation, in the order
-- the teacher gave them. `cases.adaptations_tried` stays for free text (and the cases sent
-- before this form existed); a case has either or both.
CREATE TABLE case_adaptations (
    case_id    uuid    NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position BETWEEN 1 AND 20),
    what       text    NOT NULL CHECK (length(what) BETWEEN 1 AND 500),
    since      text    NOT NULL DEFAULT '' CHECK (length(since) <= 100),
    duration   text    NOT NULL DEFAULT '' CHECK (length(duration) <= 100),
    result     text    NOT NULL DEFAULT '' CHECK (length(result) <= 2000),
    PRIMARY KEY (case_id, position)
);
