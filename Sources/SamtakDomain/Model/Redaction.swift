/// How a case is shown to someone who may see the case but not who it is about.
public enum CaseRedaction {
    /// "elev 5. trinn", "barn i barnehage", or "elev" when the grade is unknown.
    public static func descriptor(grade: Int?) -> String {
        guard let grade else { return "elev" }
        return grade == 0 ? "barn i barnehage" : "elev \(grade). trinn"
    }

    /// The title a recipient without access to the child sees: "Sak 3: elev 5. trinn, anonymisert".
    public static func anonymousTitle(position: Int?, grade: Int?) -> String {
        let prefix = position.map { "Sak \($0)" } ?? "Sak"
        return "\(prefix): \(descriptor(grade: grade)), anonymisert"
    }
}
