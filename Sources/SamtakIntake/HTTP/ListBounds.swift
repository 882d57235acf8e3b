import Foundation

extension Violations {
    /// An array in a request body: at most `max` entries (`max_items`), none repeated (`unique`).
    mutating func list<T: Hashable>(_ values: [T], _ field: String, max: Int) {
        if values.count > max {
            add(field, "max_items", "must have at most \(max) entries")
        } else if Set(values).count != values.count {
            add(field, "unique", "must not repeat an entry")
        }
    }
}
