import Foundation

/// A tool of `Tests/tools` run with the test tool environment's Python (`.local/venv`).
public enum PythonTool {
    public static var python: URL { TestEnvironment.repositoryRoot.appendingPathComponent(".local/venv/bin/python") }

    /// Starts `Tests/tools/<script>` with `arguments` (output discarded) and waits until `ready`
    /// holds; the test fails, naming `what`, if the environment is missing or it never gets ready.
    public static func launch(_ script: String, arguments: [String], what: String,
                              ready: @escaping @Sendable () async -> Bool) async throws -> ChildProcess {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw MissingTestDependency("the Python tool environment is missing (\(python.path)); run Deploy/bootstrap")
        }
        let process = ChildProcess()
        process.executableURL = python
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("Tests/tools/\(script)").path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard await eventually(timeout: .seconds(20), interval: .milliseconds(50), ready) else {
            throw MissingTestDependency("\(what) did not start")
        }
        return process
    }
}
