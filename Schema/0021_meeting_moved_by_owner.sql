-- A meeting of an arena's series moved by its organiser (one occurrence: a holiday, a room
-- taken, issue 15). `moved_by_owner_at` marks the organiser's decision: the scheduler's series
-- planner leaves such a meeting as it is (it keeps its occurrence date, so no second meeting
-- is made for that date, and an edit of the series neither moves it back nor removes it).
ALTER TABLE meetings ADD COLUMN moved_by_owner_at timestamptz;
