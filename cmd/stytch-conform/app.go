package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// The application under test (--app URL --app-contract FILE): a service in any language, already
// running and configured with the target's project, that the app features (@app) drive through
// its contract. Its scenarios share that one project, which the emulator empties before each, so
// they run one at a time.

// appTag selects the app features when --app is given without --tags.
const appTag = "@app"

// appCheckTimeout bounds the check that the app serves its contract's routes.
const appCheckTimeout = 10 * time.Second

// checkAppFlags validates --app and --app-contract against the rest of the command line.
func checkAppFlags(c config) error {
	switch {
	case c.appURL == "" && c.appContract == "":
		return nil
	case c.appURL == "":
		return fmt.Errorf("--app-contract %s needs --app, the URL of the running app", c.appContract)
	case c.appContract == "":
		return fmt.Errorf("--app %s needs --app-contract, the file that says how to drive it", c.appURL)
	case c.target == target.SpecEmulator || c.target == "":
		return fmt.Errorf("--app needs --target with the URL of a running stytch-emulator (or sandbox): an app in another process cannot reach the in-process emulator")
	}
	u, err := url.Parse(c.appURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--app %q: want http://host:port", c.appURL)
	}
	return nil
}

// appCredentials are the project the app must be configured with: STYTCH_PROJECT_ID and
// STYTCH_SECRET, else the standalone emulator's default project.
func appCredentials(getenv func(string) string) target.Credentials {
	if id, secret := getenv(target.EnvProjectID), getenv(target.EnvSecret); id != "" && secret != "" {
		return target.Credentials{ProjectID: id, Secret: secret}
	}
	return target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}
}

// setUpApp loads the contract and checks that the app serves its routes; it returns the suite
// option that drives the app and the target options that put every scenario on the app's
// project, or the one-line reason the run cannot start.
func setUpApp(ctx context.Context, c config, out io.Writer, getenv func(string) string) (steps.Option, []target.Option, error) {
	contract, err := app.Load(c.appContract)
	if err != nil {
		return nil, nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, appCheckTimeout)
	defer cancel()
	if err := app.NewClient(contract, c.appURL).Check(cctx); err != nil {
		return nil, nil, fmt.Errorf("--app-contract %s: %w", c.appContract, err)
	}
	var opts []target.Option
	stytchURL := c.baseURL
	if c.target != target.SpecSandbox {
		creds := appCredentials(getenv)
		opts = []target.Option{target.WithOneProject(), target.WithCredentials(creds)}
		stytchURL = c.target
		writeAppSetup(out, contract, c.appURL, stytchURL, creds.ProjectID, false)
	} else {
		if stytchURL == "" {
			stytchURL = target.SandboxURL
		}
		writeAppSetup(out, contract, c.appURL, stytchURL, "$"+target.EnvProjectID, true)
	}
	return steps.WithAppURL(contract, c.appURL), opts, nil
}

// writeAppSetup says how the app must be configured: the project and the Stytch base URL, for
// the Go, Node and Python SDKs, and with magic links in the contract, the redirect URL.
func writeAppSetup(w io.Writer, contract *app.Contract, appURL, stytchURL, projectID string, sandbox bool) {
	base := strings.TrimSuffix(stytchURL, "/")
	fmt.Fprintf(w, `app %s at %s: it must use %s as its Stytch, with the project %s:
  environment:     STYTCH_PROJECT_ID=%s STYTCH_SECRET=<its secret> STYTCH_BASE_URL=%s
  Go (stytch-go):  stytchapi.NewClient(projectID, secret, stytchapi.WithBaseURI(os.Getenv("STYTCH_BASE_URL")))
  Node (stytch):   new stytch.Client({project_id, secret, env: process.env.STYTCH_BASE_URL + "/"})
  Python (stytch): stytch.Client(project_id, secret, environment=os.environ["STYTCH_BASE_URL"] + "/")
`, contract.DisplayName(), appURL, base, projectID, projectID, base)
	if contract.Route(app.SendMagicLink) != nil {
		if sandbox {
			fmt.Fprintln(w, "  magic links:     the app's redirect URL must be one of the project's redirect URLs (Stytch's dashboard)")
		} else {
			fmt.Fprintf(w, "  magic links:     the app's redirect URL must be one of the project's redirect URLs: %s (the emulator's default, for an app that sends none) or one given to stytch-emulator --redirect-urls\n",
				emulator.DefaultRedirectURL)
		}
	}
	fmt.Fprint(w, "the app scenarios run one at a time on that project, which is emptied before each.\n\n")
}
