using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The public surface of the theory layer and of the contracts is deliberate: it is listed in PublicApi/*.txt, and
/// any change to it (a new public function, a removed record field, a changed signature) fails here until the list
/// is updated in the same commit — so a reviewer sees every change of what other layers may call.
/// </summary>
public class PublicApiTests
{
    public static TheoryData<string> Assemblies() => new() { "Overparam.Verify.Theory", "Overparam.Verify.Contracts" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void PublicSurface_MatchesTheCommittedList(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        string actual = Describe(assembly);
        string dir = Path.Combine(InspectTests.RepoRoot(), "tests", "Overparam.Verify.Cli.Tests", "PublicApi");
        string path = Path.Combine(dir, assemblyName + ".txt");
        string expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (expected != actual)
        {
            // The listing the build has now, to diff and copy over the committed one when the change is intended.
            File.WriteAllText(Path.Combine(dir, assemblyName + ".received.txt"), actual);
            var missing = expected.Split('\n').Except(actual.Split('\n')).Take(5);
            var added = actual.Split('\n').Except(expected.Split('\n')).Take(5);
            Assert.Fail($"the public surface of {assemblyName} changed; if intended, copy PublicApi/{assemblyName}.received.txt over {assemblyName}.txt.\n" +
                $"removed: {string.Join(" | ", missing)}\nadded: {string.Join(" | ", added)}");
        }
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var t in assembly.GetExportedTypes().Where(t => t.GetCustomAttribute<CompilerGeneratedAttribute>() is null))
        {
            lines.Add($"type {Name(t)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in t.GetMembers(flags))
            {
                // Compiler plumbing (F# equality/comparison, record Tag/Is* helpers, C# record EqualityContract) says
                // nothing about what a caller may use.
                if (m.Name.StartsWith("get_", StringComparison.Ordinal) || m.Name.StartsWith("set_", StringComparison.Ordinal)
                    || m.Name is "Equals" or "GetHashCode" or "CompareTo" or "ToString" or "<Clone>$" or "Deconstruct" or "op_Equality" or "op_Inequality"
                    || m.Name.StartsWith("__", StringComparison.Ordinal))
                    continue;
                string d = m switch
                {
                    MethodInfo mi => $"{(mi.IsStatic ? "static " : "")}method {mi.Name}({string.Join(", ", mi.GetParameters().Select(p => Name(p.ParameterType)))}): {Name(mi.ReturnType)}",
                    PropertyInfo pi => $"property {pi.Name}: {Name(pi.PropertyType)}",
                    FieldInfo fi => $"{(fi.IsStatic ? "static " : "")}field {fi.Name}: {Name(fi.FieldType)}",
                    ConstructorInfo ci => $"ctor({string.Join(", ", ci.GetParameters().Select(p => Name(p.ParameterType)))})",
                    EventInfo ei => $"event {ei.Name}",
                    Type nt => $"nested {nt.Name}",
                    _ => $"{m.MemberType} {m.Name}",
                };
                lines.Add($"  {Name(t)} :: {d}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    private static string Name(Type t) =>
        t.IsGenericType
            ? $"{(t.FullName ?? t.Name).Split('`')[0]}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>"
            : t.FullName ?? t.Name;
}
