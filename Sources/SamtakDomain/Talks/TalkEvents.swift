import Foundation

/// A pupil's guardians (or the teacher) booked a slot of a talk round. Ids only; keyed by the
/// round so one round's bookings keep their order. On the `meetings` topic.
public struct TalkBooked: DomainEvent, Equatable {
    public static let type = "talk.booked"
    public static let topic = EventTopic.meetings
    public var roundId: UUID
    public var slotId: UUID
    public var childId: UUID
    public var subject: UUID { roundId }
    public init(roundId: UUID, slotId: UUID, childId: UUID) { self.roundId = roundId; self.slotId = slotId; self.childId = childId }
}

/// A booking moved to another slot of the same round (the old slot is open again).
public struct TalkMoved: DomainEvent, Equatable {
    public static let type = "talk.moved"
    public static let topic = EventTopic.meetings
    public var roundId: UUID
    public var fromSlotId: UUID
    public var toSlotId: UUID
    public var childId: UUID
    public var subject: UUID { roundId }
    public init(roundId: UUID, fromSlotId: UUID, toSlotId: UUID, childId: UUID) {
        self.roundId = roundId; self.fromSlotId = fromSlotId; self.toSlotId = toSlotId; self.childId = childId
    }
}

/// A booking was cancelled (the slot is open again).
public struct TalkCancelled: DomainEvent, Equatable {
    public static let type = "talk.cancelled"
    public static let topic = EventTopic.meetings
    public var roundId: UUID
    public var slotId: UUID
    public var childId: UUID
    public var subject: UUID { roundId }
    public init(roundId: UUID, slotId: UUID, childId: UUID) { self.roundId = roundId; self.slotId = slotId; self.childId = childId }
}

/// The talk is tomorrow: the scheduler announces it once per booking, the notifier reminds the
/// pupil's guardians (a notice with a link, never the child's name).
public struct TalkReminderDue: DomainEvent, Equatable {
    public static let type = "talk.reminder_due"
    public static let topic = EventTopic.meetings
    public var roundId: UUID
    public var slotId: UUID
    public var childId: UUID
    public var subject: UUID { roundId }
    public init(roundId: UUID, slotId: UUID, childId: UUID) { self.roundId = roundId; self.slotId = slotId; self.childId = childId }
}
