package target

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// maxPhoneTries bounds the draws for a phone number not handed out before.
const maxPhoneTries = 100

// identities hands out unique identities: emails <prefix>+<random>@example.com, phones +1555 and
// seven random digits never repeated by the same generator, and strong random passwords. An opener
// shares one generator between its targets, so parallel scenarios on one project never collide.
type identities struct {
	prefix string

	mu     sync.Mutex
	phones map[string]struct{}
}

func newIdentities(prefix string) *identities {
	return &identities{prefix: prefix, phones: map[string]struct{}{}}
}

// unique returns a fresh identity that is not the sandbox one.
func (g *identities) unique() (Identity, error) {
	phone, err := g.phone()
	if err != nil {
		return Identity{}, err
	}
	pw, err := newPassword()
	if err != nil {
		return Identity{}, err
	}
	return Identity{
		Email:    g.prefix + "+" + strings.ToLower(rand.Text()[:16]) + "@example.com",
		Phone:    phone,
		Password: pw,
	}, nil
}

// sandbox returns Stytch's sandbox identity with a random password (it accepts any).
func (g *identities) sandbox() (Identity, error) {
	pw, err := newPassword()
	if err != nil {
		return Identity{}, err
	}
	return Identity{Email: emulator.SandboxEmail, Phone: emulator.SandboxPhone, Password: pw, Sandbox: true}, nil
}

// phone draws +1555 and seven digits until it finds one this generator never returned.
func (g *identities) phone() (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range maxPhoneTries {
		n, err := randIntN(10_000_000)
		if err != nil {
			return "", err
		}
		p := fmt.Sprintf("+1555%07d", n)
		if _, seen := g.phones[p]; !seen {
			g.phones[p] = struct{}{}
			return p, nil
		}
	}
	return "", fmt.Errorf("no unused +1555 phone number after %d draws", maxPhoneTries)
}

// isSandboxContact reports whether to is one of Stytch's sandbox identities (code 000000).
func isSandboxContact(to string) bool {
	return to == emulator.SandboxPhone || strings.EqualFold(to, emulator.SandboxEmail)
}

// newPassword returns four random words of passwordWords, one capitalised, joined by dashes, plus
// four digits: about 45 random bits, and a zxcvbn score of 4.
func newPassword() (string, error) {
	parts := make([]string, 0, 5)
	capital, err := randIntN(4)
	if err != nil {
		return "", err
	}
	for i := range 4 {
		n, err := randIntN(len(passwordWords))
		if err != nil {
			return "", err
		}
		w := passwordWords[n]
		if i == capital {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		parts = append(parts, w)
	}
	n, err := randIntN(10_000)
	if err != nil {
		return "", err
	}
	parts = append(parts, fmt.Sprintf("%04d", n))
	return strings.Join(parts, "-"), nil
}

// randIntN returns a uniform random int in [0, n) from crypto/rand.
func randIntN(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("random number: %w", err)
	}
	return int(v.Int64()), nil
}

// passwordWords are concrete, moderately uncommon English words (none in zxcvbn's top ranks); a
// constant table, never written.
var passwordWords = [...]string{
	"anchor", "antler", "apricot", "arbor", "atlas", "badger", "bagpipe", "banjo", "barley", "basalt",
	"beacon", "bellows", "biscuit", "blizzard", "bobbin", "bramble", "breaker", "brisket", "buckle", "bugle",
	"burrow", "cactus", "caravan", "cashew", "catapult", "cedar", "chisel", "cinder", "clover", "cobalt",
	"compass", "copper", "cormorant", "cranberry", "crayon", "cricket", "crumpet", "cutlass", "dagger", "dahlia",
	"dandelion", "derrick", "dingo", "dolphin", "dormouse", "drizzle", "dumpling", "ember", "falcon", "fennel",
	"ferret", "fiddle", "fjord", "flannel", "flint", "foghorn", "fossil", "gadget", "galleon", "garnet",
	"gazebo", "geyser", "ginger", "glacier", "goblet", "gondola", "granite", "gravel", "griffin", "hammock",
	"harpoon", "hazel", "hedgehog", "heron", "hickory", "hornet", "iceberg", "igloo", "indigo", "jackal",
	"jasmine", "juniper", "kayak", "kestrel", "kettle", "kiwi", "lagoon", "lantern", "larch", "lentil",
	"lobster", "locket", "lupine", "magnet", "mallet", "mammoth", "mango", "marble", "meadow", "minnow",
	"mitten", "molasses", "monsoon", "mortar", "muffin", "mustang", "nectar", "nettle", "nutmeg", "oatmeal",
	"obsidian", "octopus", "orchard", "osprey", "otter", "paddle", "pagoda", "pancake", "parsnip", "pebble",
	"pelican", "pepper", "pewter", "pickle", "pigeon", "pinecone", "piston", "plover", "porcupine", "pretzel",
	"puffin", "pumice", "quarry", "quill", "quince", "radish", "raven", "rhubarb", "ripple", "rooster",
	"saddle", "saffron", "salmon", "sandal", "sapling", "sardine", "satchel", "scallop", "sequoia", "sextant",
	"shovel", "sickle", "skillet", "sparrow", "spindle", "sprocket", "squirrel", "starling", "stirrup", "sundial",
	"tadpole", "tambourine", "teapot", "thimble", "thistle", "timber", "toboggan", "trellis", "trombone", "truffle",
	"tulip", "tundra", "turnip", "turret", "umbrella", "valley", "velvet", "violin", "vulture", "waffle",
	"walnut", "walrus", "wasabi", "weasel", "whistle", "willow", "windmill", "wombat", "yarrow", "zephyr",
	"zucchini", "acorn", "alpaca", "avocado", "bison", "bonsai", "buttercup", "canyon", "chestnut", "citadel",
}
