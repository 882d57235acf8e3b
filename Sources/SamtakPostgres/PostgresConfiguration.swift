/// How to reach PostgreSQL. Values usually come from the environment (see SamtakRuntime).
public struct PostgresConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var applicationName: String
    /// Seconds libpq waits for a connection to be established.
    public var connectTimeoutSeconds: Int
    /// Per-statement limit in milliseconds (0 = none), set for every session.
    public var statementTimeoutMilliseconds: Int
    /// Further settings for every session (`-c name=value` at connect), e.g. the custom
    /// `samtak.relay_local` of a process that runs its own outbox relay. Names and values
    /// are chosen by code, not taken from input.
    public var sessionSettings: [String: String] = [:]

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String = "samtak", password: String? = nil,
        database: String = "samtak", applicationName: String = "samtak", connectTimeoutSeconds: Int = 5,
        statementTimeoutMilliseconds: Int = 30_000
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
    }

    /// "host:port/database" for messages; never the password.
    public var endpointDescription: String { "\(host):\(port)/\(database)" }

    var keywordsAndValues: [(String, String)] {
        var pairs: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("application_name", applicationName), ("connect_timeout", String(connectTimeoutSeconds)),
            // UTC and ISO dates make the text format predictable for decoding. A prepared
            // statement is planned once per session (force_generic_plan): left to itself
            // PostgreSQL kept re-planning the `= ANY($1)` look-ups of the access rules for
            // every call (a custom plan each time), about a third of its CPU on a meeting's read
            // (Deploy/bench row 7). The setting also makes an unprepared statement's one plan
            // generic; row 8 (the five-year data set) is the check that none got worse.
            ("options", "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c extra_float_digits=3 -c statement_timeout=\(statementTimeoutMilliseconds)"
                + " -c plan_cache_mode=force_generic_plan"
                + sessionSettings.sorted { $0.key < $1.key }.map { " -c \($0.key)=\($0.value)" }.joined()),
            ("client_encoding", "UTF8"),
            // Dead peers are noticed within about half a minute instead of hours.
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ]
        if let password { pairs.append(("password", password)) }
        return pairs
    }
}
