namespace Overparam.Verify.Cli.Tests;
