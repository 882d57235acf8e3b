import Foundation
import SamtakDomain
import SamtakPostgres
import Synchronization

/// The anonymity screens of the units, built from the municipality's children's names and
/// kept in memory: a unit's own children match by any part of their name, every other child
/// by full name (`PersonalDataScreen`). The names are read again only when
/// `children_names_version` (bumped by a trigger on every change of a child's name or unit,
/// Schema/0011) has moved; one small query per screened case otherwise.
final class ChildNameScreens: Sendable {
    private struct Snapshot {
        var version: Int64
        var namesByUnit: [UUID: [String]]
        var everyone: FullNameIndex
        var screens: [UUID: PersonalDataScreen]
    }

    private let state = Mutex<Snapshot?>(nil)

    /// The screen for a case submitted by `unitId`.
    func screen(forUnit unitId: UUID, on connection: PostgresConnection) throws -> PersonalDataScreen {
        // The version first: names read after it are at least as new, so a change between
        // the two reads only causes one more reload later, never a stale screen.
        let version = try connection.query(SQL("SELECT version FROM children_names_version").prepared).first?.decode(Int64.self, 0) ?? -1
        let cached: Snapshot? = state.withLock { $0?.version == version ? $0 : nil }
        if let screen = cached?.screens[unitId] { return screen }
        let base = try cached ?? Self.load(version: version, on: connection)
        let screen = PersonalDataScreen(knownNames: base.namesByUnit[unitId] ?? [], otherChildren: base.everyone)
        state.withLock { current in
            if current?.version == version {
                current!.screens[unitId] = screen
            } else if (current?.version ?? .min) < version {
                var fresh = base
                fresh.screens[unitId] = screen
                current = fresh
            }
        }
        return screen
    }

    private static func load(version: Int64, on connection: PostgresConnection) throws -> Snapshot {
        var namesByUnit: [UUID: [String]] = [:]
        var everyone: [String] = []
        for row in try connection.query("SELECT unit_id, name FROM children") {
            let name = try row.decode(String.self, 1)
            everyone.append(name)
            if let unit = try row.decode(UUID?.self, 0) { namesByUnit[unit, default: []].append(name) }
        }
        return Snapshot(version: version, namesByUnit: namesByUnit, everyone: FullNameIndex(names: everyone), screens: [:])
    }
}
