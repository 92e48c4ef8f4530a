package fakediscord

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"
)

// The single emulated Discord user who signs in.
const (
	UserID   = "713940517392465920"
	Username = "dauth_tester"
)

// discordEpochMillis is the start of Discord snowflake time, 2015-01-01 UTC,
// in Unix milliseconds.
const discordEpochMillis = 1420070400000

// snowflake builds a Discord ID from a creation time and a sequence number:
// milliseconds since Discord's epoch in the top 42 bits, worker and process 1,
// then the sequence in the low 12 bits. The IDs exceed 2^53, so a client that
// parses them as float64 loses digits.
func snowflake(created time.Time, sequence int) string {
	ms := uint64(created.UnixMilli() - discordEpochMillis)
	id := ms<<22 | 1<<17 | 1<<12 | uint64(sequence&0xfff)
	return strconv.FormatUint(id, 10)
}

// user is the emulated user, its fields in the order of the user examples in
// Discord's docs. banner_color and clan are not in the OpenAPI schema. They
// are there so that tests show a client keeps fields it does not know.
type user struct {
	ID                   string  `json:"id"`
	Username             string  `json:"username"`
	Avatar               *string `json:"avatar"`
	Discriminator        string  `json:"discriminator"`
	PublicFlags          int     `json:"public_flags"`
	Flags                int64   `json:"flags"`
	Banner               *string `json:"banner"`
	AccentColor          *int    `json:"accent_color"`
	GlobalName           *string `json:"global_name"`
	AvatarDecorationData any     `json:"avatar_decoration_data"`
	Collectibles         any     `json:"collectibles"`
	BannerColor          *string `json:"banner_color"`
	Clan                 any     `json:"clan"`
	PrimaryGuild         any     `json:"primary_guild"`
}

// currentUser is the /users/@me body (OpenAPI schema UserPIIResponse).
type currentUser struct {
	user
	MFAEnabled  bool    `json:"mfa_enabled"`
	Locale      string  `json:"locale"`
	PremiumType int     `json:"premium_type"`
	Email       *string `json:"email,omitempty"`
	Verified    *bool   `json:"verified,omitempty"`
}

func emulatedUser() user {
	avatar := "a_0123456789abcdef0123456789abcdef"
	accent := 5793266
	globalName := "Tester <dauth> & Ünïcode"
	return user{
		ID:            UserID,
		Username:      Username,
		Avatar:        &avatar,
		Discriminator: "0",
		PublicFlags:   64,
		// Bit 32 is set so that a client which decodes flags into an int32
		// fails here instead of on a real account.
		Flags:        1<<32 | 64,
		AccentColor:  &accent,
		GlobalName:   &globalName,
		PrimaryGuild: nil,
	}
}

// currentUserResponse returns the /users/@me body. Email and verified are
// present only with the email scope, as Discord's scope list describes.
func (s *Server) currentUserResponse(withEmail bool) currentUser {
	body := currentUser{user: s.user, Locale: "en-US"}
	if withEmail {
		email := "dauth_tester@example.com"
		verified := true
		body.Email = &email
		body.Verified = &verified
	}
	return body
}

// guild is one entry of /users/@me/guilds (OpenAPI schema MyGuildResponse).
type guild struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	Icon                     *string  `json:"icon"`
	Banner                   *string  `json:"banner"`
	Owner                    bool     `json:"owner"`
	Permissions              string   `json:"permissions"`
	Features                 []string `json:"features"`
	ApproximateMemberCount   *int     `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount *int     `json:"approximate_presence_count,omitempty"`

	id uint64
}

// emulatedGuilds returns count guilds sorted by ID, as Discord lists them.
func emulatedGuilds(count int) []guild {
	// The names contain HTML metacharacters, non-ASCII text, an emoji and a
	// quote so that tests can check output byte for byte.
	guildNames := []string{
		`Gophers & Friends <dev>`,
		`Café Ünïcode — 東京 🎮`,
		`plain-guild "quoted"`,
	}
	created := time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC)
	guilds := make([]guild, count)
	for i := range guilds {
		name := fmt.Sprintf("Guild %d <&> Ünïcode", i+1)
		if i < len(guildNames) {
			name = guildNames[i]
		}
		id := snowflake(created.Add(time.Duration(i)*36*time.Hour), i)
		parsed, _ := strconv.ParseUint(id, 10, 64)

		g := guild{
			ID:          id,
			Name:        name,
			Features:    []string{},
			Permissions: "104324673",
			id:          parsed,
		}
		switch i % 3 {
		case 0:
			icon := fmt.Sprintf("%032x", 0xfeed0000+i)
			g.Icon = &icon
			g.Owner = true
			// Every permission bit up to 50, more than fits in an int32.
			g.Permissions = "2251799813685247"
			g.Features = []string{"COMMUNITY", "NEWS", "ANIMATED_ICON"}
		case 1:
			banner := fmt.Sprintf("a_%032x", 0xbeef0000+i)
			g.Banner = &banner
			g.Features = []string{"BANNER", "VERIFIED"}
		}
		guilds[i] = g
	}
	return guilds
}

// withCounts returns g with the approximate counts that with_counts=true adds.
func withCounts(g guild, index int) guild {
	members := 1200 + 37*index
	presences := members / 4
	g.ApproximateMemberCount = &members
	g.ApproximatePresenceCount = &presences
	return g
}

// application is the partial application object of /oauth2/@me
// (OpenAPI schema ApplicationResponse).
type application struct {
	ID                  string  `json:"id"`
	Name                string  `json:"name"`
	Icon                *string `json:"icon"`
	Description         string  `json:"description"`
	Type                *int    `json:"type"`
	Hook                bool    `json:"hook"`
	BotPublic           bool    `json:"bot_public"`
	BotRequireCodeGrant bool    `json:"bot_require_code_grant"`
	VerifyKey           string  `json:"verify_key"`
	Flags               int     `json:"flags"`
	FlagsNew            string  `json:"flags_new"`
}

func emulatedApplication(clientID string) application {
	return application{
		ID:        clientID,
		Name:      "dauth test application",
		Hook:      true,
		VerifyKey: fmt.Sprintf("%x", sha256.Sum256([]byte(clientID))),
		FlagsNew:  "0",
	}
}
