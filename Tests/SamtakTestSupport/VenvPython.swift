import Foundation

/// The Python of the project's venv (made by Deploy/bootstrap), for tests that check Swift
/// against a second implementation or drive a helper script in `Tests/tools/`.
public enum VenvPython {
    /// `SAMTAK_PYTHON`, else `$SAMTAK_HOME/venv/bin/python`, else `<repo>/.local/venv/bin/python`.
    public static var path: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["SAMTAK_PYTHON"], !explicit.isEmpty { return explicit }
        if let home = environment["SAMTAK_HOME"], !home.isEmpty { return home + "/venv/bin/python" }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".local/venv/bin/python").path
    }

    /// A script in `Tests/tools/`.
    public static func tool(_ name: String) -> String {
        TestEnvironment.repositoryRoot.appendingPathComponent("Tests/tools/\(name)").path
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the venv's python with `arguments`; throws (the test fails, never skips) when the
    /// venv is missing.
    public static func run(_ arguments: [String]) async throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingTestDependency("the Python venv is missing (no \(path)); run Deploy/bootstrap")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-venv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Output(status: status, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Runs a tool that prints one JSON object, and decodes it.
    public static func json(_ arguments: [String]) async throws -> [String: Any] {
        let output = try await run(arguments)
        guard output.status == 0 else { throw MissingTestDependency("python \(arguments.first ?? "") failed (\(output.status)): \(output.stderr)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw MissingTestDependency("python \(arguments.first ?? "") printed no JSON object")
        }
        return object
    }
}
