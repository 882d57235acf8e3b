import Foundation
import SamtakDomain

/// The coordination log as a self-contained HTML document (Bokmål) for the child's file:
/// the child, the coordinator, every measure with its evaluation, every note, and when it
/// was exported. Everything from the database is escaped.
enum CoordinationDocument {
    static func html(log: CoordinationStore.LogResource, childName: String, birthDate: LocalDate?, exportedAt: Date) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="nb">
            <head><meta charset="utf-8"><title>Stafettlogg – \(escape(childName))</title>
            <style>body{font-family:sans-serif;max-width:50em;margin:2em auto}table{border-collapse:collapse;width:100%}
            td,th{border:1px solid #999;padding:.3em;text-align:left;vertical-align:top}</style></head>
            <body>
            <h1>Stafettlogg</h1>
            <p><strong>Barn:</strong> \(escape(childName))\(birthDate.map { ", født \(OsloTime.norwegianDate($0))" } ?? "")<br>
            <strong>Opprettet:</strong> \(OsloTime.norwegianShort(log.openedAt))<br>
            <strong>Status:</strong> \(log.status == .open ? "åpen" : "lukket")
            """
        if let closedAt = log.closedAt {
            out += "<br><strong>Lukket:</strong> \(OsloTime.norwegianShort(closedAt))\(log.closedReason.map { " (\(reasonText($0)))" } ?? "")"
        }
        if let coordinator = log.coordinator {
            out += "<br><strong>\(escape(coordinator.kind.norwegianName.capitalizedFirst)):</strong> \(escape(coordinator.personName)) (\(escape(coordinator.service.norwegianName)))"
        }
        out += "</p>\n<h2>Tiltak</h2>\n"
        if log.measures.isEmpty {
            out += "<p>Ingen tiltak er registrert.</p>\n"
        } else {
            out += "<table><tr><th>Tiltak</th><th>Ansvarlig</th><th>Fra</th><th>Evalueres</th><th>Status</th><th>Evaluering</th></tr>\n"
            for measure in log.measures {
                out += "<tr><td>\(escape(measure.description))</td><td>\(escape(measure.ownerName))\(measure.service.map { " (\(escape($0.norwegianName)))" } ?? "")</td>"
                out += "<td>\(OsloTime.norwegianDate(measure.startsOn))</td><td>\(OsloTime.norwegianDate(measure.evaluationDueOn))</td>"
                out += "<td>\(statusText(measure.status))</td><td>\(escape(measure.evaluation ?? ""))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<h2>Framdrift og overganger</h2>\n"
        if log.notes.isEmpty {
            out += "<p>Ingen notater.</p>\n"
        } else {
            for note in log.notes {
                out += "<p><strong>\(OsloTime.norwegianShort(note.createdAt)), \(escape(note.authorName)) – \(noteText(note.kind)):</strong><br>"
                out += escape(note.text).replacingOccurrences(of: "\n", with: "<br>") + "</p>\n"
            }
        }
        out += "<p><small>Eksportert \(OsloTime.norwegianLong(exportedAt)) fra Samtak.</small></p>\n</body>\n</html>\n"
        return out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func statusText(_ status: MeasureStatus) -> String {
        switch status {
        case .active: "pågår"
        case .completed: "fullført"
        case .stopped: "avsluttet"
        }
    }

    static func noteText(_ kind: LogNoteKind) -> String {
        switch kind {
        case .progress: "framdrift"
        case .transition: "overgang"
        case .handover: "overlevering"
        }
    }

    static func reasonText(_ reason: LogCloseReason) -> String {
        switch reason {
        case .individualPlan: "individuell plan overtar"
        case .goalsReached: "målene er nådd"
        case .familyWithdrew: "familien trakk seg"
        case .movedAway: "flyttet"
        case .other: "annet"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
