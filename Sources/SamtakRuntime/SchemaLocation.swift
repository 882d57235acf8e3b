import Foundation

/// Where the SQL migrations are: `SAMTAK_SCHEMA_DIR`, else `./Schema`, else the `Schema/`
/// directory of the source tree this binary was built from (development and tests).
public enum SchemaLocation {
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var candidates: [URL] = []
        if let configured = environment["SAMTAK_SCHEMA_DIR"], !configured.isEmpty {
            candidates.append(URL(fileURLWithPath: configured))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Schema"))
        // <repo>/Sources/SamtakRuntime/SchemaLocation.swift → <repo>/Schema
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schema"))
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw ConfigurationError(variable: "SAMTAK_SCHEMA_DIR", problem: "no Schema directory found (looked in \(candidates.map(\.path).joined(separator: ", ")))")
    }
}
