package localidp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/store/seed"
)

// ErrInLambda is returned by New inside AWS Lambda: the local IdP must never serve real traffic.
var ErrInLambda = errors.New("local idp refuses to start: AWS_LAMBDA_RUNTIME_API is set (configure BFF_COGNITO_USER_POOL_ID)")

// Seeded demo users (password: Config.DemoPassword).
const (
	DemoUser  = "demo@example.com"  // group "customers"
	AdminUser = "admin@example.com" // groups "admins", "customers"
)

const (
	codeTTL    = 24 * time.Hour
	sessionTTL = 3 * time.Minute
)

type user struct {
	username, sub, email string
	password             string
	confirmed            bool
	forceChange          bool
	groups               []string
	attrs                map[string]string
	code                 string
	codeExpires          time.Time
	resetPending         bool
	signedOutAt          time.Time // GlobalSignOut: access tokens issued before are revoked
}

type refreshSession struct {
	username  string
	originJti string
	expires   time.Time
}

type challenge struct {
	username string
	expires  time.Time
}

// IdP is the embedded identity provider. Safe for concurrent use.
type IdP struct {
	cfg      Config
	key      *rsa.PrivateKey
	kid      string
	jwks     []byte
	partners map[string]Partner
	log      *slog.Logger
	now      func() time.Time
	verifier *auth.Verifier

	mu       sync.Mutex
	users    map[string]*user // by lower-case username
	refresh  map[string]*refreshSession
	sessions map[string]challenge
	revoked  map[string]bool // origin_jti of revoked refresh tokens

	signIns *attempts // failed passwords, by username (known or not) and source address
	clients *attempts // failed client secrets at the token endpoint, by client_id and source
}

var _ identity.Provider = (*IdP)(nil)

// New starts the local IdP: it refuses inside Lambda, loads or generates its key, loads the
// partners, seeds the demo users and logs loudly that it is for local use.
func New(cfg Config, log *slog.Logger) (*IdP, error) {
	if _, inLambda := os.LookupEnv("AWS_LAMBDA_RUNTIME_API"); inLambda {
		return nil, ErrInLambda
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	key, ephemeral, err := loadKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	partners, err := LoadPartners(cfg.PartnersFile)
	if err != nil {
		return nil, err
	}
	p := &IdP{
		cfg: cfg, key: key, kid: keyID(&key.PublicKey), log: log, now: time.Now,
		partners: make(map[string]Partner, len(partners)),
		users:    map[string]*user{}, refresh: map[string]*refreshSession{}, sessions: map[string]challenge{}, revoked: map[string]bool{},
		signIns: newAttempts(), clients: newAttempts(),
	}
	for _, pt := range partners {
		p.partners[pt.ClientID] = pt
	}
	p.jwks, err = json.Marshal(auth.JWKSet{Keys: []auth.JWK{auth.NewJWK(p.kid, &key.PublicKey)}})
	if err != nil {
		return nil, fmt.Errorf("local idp jwks: %w", err)
	}
	if p.verifier, err = p.NewVerifier(cfg.ClientID); err != nil {
		return nil, err
	}
	// The seeded users carry the subs of the seeded customers (store/seed), so the demo account
	// has a profile and order history in every process, and the same sub in all of them.
	p.seed(DemoUser, seed.CustomerAlice, []string{"customers"})
	p.seed(AdminUser, seed.CustomerBob, []string{"admins", "customers"})

	log.Warn("LOCAL IDENTITY PROVIDER: for local development only, never for real users",
		slog.String("issuer", cfg.Issuer), slog.String("client_id", cfg.ClientID),
		slog.String("demo_users", DemoUser+", "+AdminUser), slog.String("demo_password", cfg.DemoPassword),
		slog.String("confirmation_code", cfg.ConfirmationCode), slog.Int("partners", len(partners)))
	if ephemeral {
		log.Warn("local idp: BFF_LOCAL_IDP_KEY_FILE is not set; using an ephemeral signing key, so other BFF processes will reject this process's tokens",
			slog.String("kid", p.kid))
	}
	return p, nil
}

func (p *IdP) seed(username, sub string, groups []string) {
	p.users[username] = &user{username: username, sub: sub, email: username, password: p.cfg.DemoPassword,
		confirmed: true, groups: groups, attrs: map[string]string{"email_verified": "true"}}
}

// AddUser creates a confirmed user (like AdminCreateUser + AdminAddUserToGroup). With
// forceChange the first sign-in answers NEW_PASSWORD_REQUIRED.
func (p *IdP) AddUser(username, password string, groups []string, forceChange bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := strings.ToLower(username)
	if _, ok := p.users[key]; ok {
		return fmt.Errorf("add user: %w", identity.ErrUserExists)
	}
	p.users[key] = &user{username: key, sub: newUUID(), email: emailOf(username, ""), password: password, confirmed: true,
		forceChange: forceChange, groups: slices.Clone(groups), attrs: map[string]string{"email_verified": "true"}}
	return nil
}

// Issuer returns the iss of this IdP's tokens.
func (p *IdP) Issuer() string { return p.cfg.Issuer }

// ClientID returns the app client users sign in through.
func (p *IdP) ClientID() string { return p.cfg.ClientID }

// PartnerIDs returns the client IDs of the configured partners.
func (p *IdP) PartnerIDs() []string {
	ids := make([]string, 0, len(p.partners))
	for id := range p.partners {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// JWKS returns the JWKS document of the signing key.
func (p *IdP) JWKS() []byte { return slices.Clone(p.jwks) }

// NewVerifier returns an auth.Verifier for this IdP's tokens, prewarmed in-process (it never
// fetches). clientIDs default to the app client and every partner.
func (p *IdP) NewVerifier(clientIDs ...string) (*auth.Verifier, error) {
	if len(clientIDs) == 0 {
		clientIDs = append([]string{p.cfg.ClientID}, p.PartnerIDs()...)
	}
	keys, err := auth.NewKeySet(auth.KeySetOptions{Prewarm: p.jwks})
	if err != nil {
		return nil, fmt.Errorf("local idp verifier: %w", err)
	}
	return auth.NewVerifier(auth.Options{Issuer: p.cfg.Issuer, ClientIDs: clientIDs, Keys: keys, Leeway: 30 * time.Second})
}

// Path is the URL path of the issuer under which Handler serves (e.g. /local-idp).
func (p *IdP) Path() string {
	u, _ := url.Parse(p.cfg.Issuer)
	return strings.TrimRight(u.Path, "/")
}

// ---- identity.Provider ----

// SignUp registers an unconfirmed user; the confirmation code is Config.ConfirmationCode (logged).
func (p *IdP) SignUp(_ context.Context, in identity.SignUpInput) (*identity.SignUpResult, error) {
	username := strings.ToLower(strings.TrimSpace(in.Username))
	if username == "" || len(username) > 128 {
		return nil, fmt.Errorf("sign up: username: %w", identity.ErrInvalidInput)
	}
	email := emailOf(username, in.Email)
	if email == "" {
		return nil, fmt.Errorf("sign up: email: %w", identity.ErrInvalidInput)
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, fmt.Errorf("sign up: %w", &identity.PasswordPolicyError{Message: err.Error()})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[username]; ok {
		return nil, fmt.Errorf("sign up: %w", identity.ErrUserExists)
	}
	u := &user{username: username, sub: newUUID(), email: email, password: in.Password, attrs: map[string]string{"email_verified": "false"}}
	for k, v := range in.Attributes {
		u.attrs[k] = v
	}
	p.users[username] = u
	p.sendCode(u, "sign-up")
	return &identity.SignUpResult{UserSub: u.sub, CodeDestination: mask(email)}, nil
}

func (p *IdP) sendCode(u *user, purpose string) {
	u.code, u.codeExpires = p.cfg.ConfirmationCode, p.now().Add(codeTTL)
	p.log.Warn("local idp: confirmation code (local only)", slog.String("purpose", purpose),
		slog.String("username", u.username), slog.String("code", u.code))
}

// ConfirmSignUp confirms with the code; unknown users get ErrCodeMismatch.
func (p *IdP) ConfirmSignUp(_ context.Context, username, code string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[strings.ToLower(username)]
	if !ok || u.confirmed || u.resetPending {
		return fmt.Errorf("confirm sign up: %w", identity.ErrCodeMismatch)
	}
	if err := p.checkCode(u, code); err != nil {
		return fmt.Errorf("confirm sign up: %w", err)
	}
	u.confirmed, u.code = true, ""
	u.attrs["email_verified"] = "true"
	return nil
}

func (p *IdP) checkCode(u *user, code string) error {
	if u.code == "" || subtle.ConstantTimeCompare([]byte(u.code), []byte(code)) != 1 {
		return identity.ErrCodeMismatch
	}
	if p.now().After(u.codeExpires) {
		return identity.ErrExpiredCode
	}
	return nil
}

// ResendConfirmationCode answers nil for unknown or confirmed users too.
func (p *IdP) ResendConfirmationCode(_ context.Context, username string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u, ok := p.users[strings.ToLower(username)]; ok && !u.confirmed {
		p.sendCode(u, "sign-up")
	}
	return nil
}

// SignIn checks the password (USER_PASSWORD_AUTH). Unknown users get the same answer as a wrong
// password, after the same work, and go through the same throttle (see attempts.go): failures
// are counted per username and source address (identity.SourceAddress), never per account alone.
func (p *IdP) SignIn(ctx context.Context, username, password string) (*identity.Tokens, error) {
	key, src, now := strings.ToLower(username), identity.SourceAddress(ctx), p.now()
	if w := p.signIns.wait(now, key, src); w > 0 {
		return nil, fmt.Errorf("sign in: %w", &identity.ThrottleError{RetryAfter: w, Cause: errors.New("password attempts exceeded")})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[key]
	want := unknownUserPassword
	if ok {
		want = u.password
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 || !ok {
		p.signIns.failed(now, key, src)
		return nil, fmt.Errorf("sign in: %w", identity.ErrInvalidCredentials)
	}
	p.signIns.succeeded(key, src)
	if !u.confirmed {
		return nil, fmt.Errorf("sign in: %w", identity.ErrNotConfirmed)
	}
	if u.resetPending {
		return nil, fmt.Errorf("sign in: %w", identity.ErrPasswordResetNeeded)
	}
	if u.forceChange {
		s := randomToken()
		p.sessions[s] = challenge{username: u.username, expires: now.Add(sessionTTL)}
		return nil, &identity.ChallengeError{Name: "NEW_PASSWORD_REQUIRED", Session: s, Username: u.username}
	}
	return p.issue(u, "")
}

// RespondNewPassword answers NEW_PASSWORD_REQUIRED.
func (p *IdP) RespondNewPassword(_ context.Context, username, session, newPassword string) (*identity.Tokens, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.sessions[session]
	if !ok || ch.username != strings.ToLower(username) || p.now().After(ch.expires) {
		return nil, fmt.Errorf("respond new password: invalid session: %w", identity.ErrInvalidCredentials)
	}
	if err := checkPassword(newPassword); err != nil {
		return nil, fmt.Errorf("respond new password: %w", &identity.PasswordPolicyError{Message: err.Error()})
	}
	delete(p.sessions, session)
	u := p.users[ch.username]
	u.password, u.forceChange = newPassword, false
	return p.issue(u, "")
}

// Refresh issues new access and ID tokens for a refresh token (not rotated, like Cognito).
func (p *IdP) Refresh(_ context.Context, _ string, refreshToken string) (*identity.Tokens, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.refresh[refreshToken]
	if !ok || p.now().After(s.expires) || p.revoked[s.originJti] {
		return nil, fmt.Errorf("refresh: %w", identity.ErrTokenRevoked)
	}
	u, ok := p.users[s.username]
	if !ok {
		return nil, fmt.Errorf("refresh: %w", identity.ErrTokenRevoked)
	}
	t, err := p.issue(u, s.originJti)
	if err != nil {
		return nil, err
	}
	t.RefreshToken = ""
	return t, nil
}

// ForgotPassword answers nil whether or not the user exists.
func (p *IdP) ForgotPassword(_ context.Context, username string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u, ok := p.users[strings.ToLower(username)]; ok && u.confirmed {
		u.resetPending = true
		p.sendCode(u, "password reset")
	}
	return nil
}

// ConfirmForgotPassword sets a new password; unknown users get ErrCodeMismatch.
func (p *IdP) ConfirmForgotPassword(_ context.Context, username, code, newPassword string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[strings.ToLower(username)]
	if !ok || !u.resetPending {
		return fmt.Errorf("confirm forgot password: %w", identity.ErrCodeMismatch)
	}
	if err := p.checkCode(u, code); err != nil {
		return fmt.Errorf("confirm forgot password: %w", err)
	}
	if err := checkPassword(newPassword); err != nil {
		return fmt.Errorf("confirm forgot password: %w", &identity.PasswordPolicyError{Message: err.Error()})
	}
	u.password, u.resetPending, u.code, u.forceChange = newPassword, false, "", false
	return nil
}

// userOf verifies an access token of this IdP and returns its user, rejecting tokens revoked
// by GlobalSignOut or RevokeToken (as Cognito's user APIs do). Callers hold p.mu.
func (p *IdP) userOf(ctx context.Context, accessToken string) (*user, error) {
	pr, err := p.verifier.Verify(ctx, accessToken, auth.Access{UsersOnly: true})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", identity.ErrTokenRevoked, err)
	}
	u, ok := p.users[strings.ToLower(pr.Username)]
	if !ok || u.sub != pr.Subject || !pr.IssuedAt.After(u.signedOutAt) {
		return nil, identity.ErrTokenRevoked
	}
	if oj := p.originOf(accessToken); oj != "" && p.revoked[oj] {
		return nil, identity.ErrTokenRevoked
	}
	return u, nil
}

// originOf reads origin_jti of a token already verified.
func (p *IdP) originOf(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		OriginJti string `json:"origin_jti"`
	}
	_ = json.Unmarshal(b, &c)
	return c.OriginJti
}

// GetUser returns the profile of the access token's user.
func (p *IdP) GetUser(ctx context.Context, accessToken string) (*identity.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := p.userOf(ctx, accessToken)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	attrs := map[string]string{"sub": u.sub, "email": u.email}
	for k, v := range u.attrs {
		attrs[k] = v
	}
	return &identity.User{Username: u.username, Sub: u.sub, Email: u.email, Verified: attrs["email_verified"] == "true", Attributes: attrs}, nil
}

// GlobalSignOut revokes every refresh token of the user and the access tokens issued so far
// (for GetUser; other services accept them until they expire, as with Cognito).
func (p *IdP) GlobalSignOut(ctx context.Context, accessToken string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := p.userOf(ctx, accessToken)
	if err != nil {
		return fmt.Errorf("global sign out: %w", err)
	}
	// Token iat has second precision: tokens issued in this second are revoked too.
	u.signedOutAt = p.now().Truncate(time.Second)
	for tok, s := range p.refresh {
		if s.username == u.username {
			p.revoked[s.originJti] = true
			delete(p.refresh, tok)
		}
	}
	return nil
}

// RevokeToken revokes a refresh token and the tokens issued from it. Unknown tokens are not an
// error (RFC 7009).
func (p *IdP) RevokeToken(_ context.Context, refreshToken string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.refresh[refreshToken]; ok {
		p.revoked[s.originJti] = true
		delete(p.refresh, refreshToken)
	}
	return nil
}

// ---- tokens ----

// issue mints access, ID and (when originJti is empty, a new sign-in) refresh tokens. Callers
// hold p.mu.
func (p *IdP) issue(u *user, originJti string) (*identity.Tokens, error) {
	now := p.now()
	newLogin := originJti == ""
	if newLogin {
		originJti = newUUID()
	}
	eventID := newUUID()
	iat := now.Unix()
	access := map[string]any{
		"sub": u.sub, "iss": p.cfg.Issuer, "client_id": p.cfg.ClientID, "origin_jti": originJti, "event_id": eventID,
		"token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": iat, "exp": now.Add(p.cfg.AccessTokenTTL).Unix(),
		"iat": iat, "jti": newUUID(), "username": u.username, "version": 2,
	}
	idt := map[string]any{
		"sub": u.sub, "email_verified": u.attrs["email_verified"] == "true", "iss": p.cfg.Issuer, "cognito:username": u.username,
		"origin_jti": originJti, "aud": p.cfg.ClientID, "event_id": eventID, "token_use": "id", "auth_time": iat,
		"exp": now.Add(p.cfg.IDTokenTTL).Unix(), "iat": iat, "jti": newUUID(), "email": u.email,
	}
	if len(u.groups) > 0 {
		access["cognito:groups"], idt["cognito:groups"] = u.groups, u.groups
	}
	at, err := p.sign(access)
	if err != nil {
		return nil, err
	}
	it, err := p.sign(idt)
	if err != nil {
		return nil, err
	}
	t := &identity.Tokens{AccessToken: at, IDToken: it, ExpiresIn: int32(p.cfg.AccessTokenTTL / time.Second), TokenType: "Bearer"}
	if newLogin {
		t.RefreshToken = randomToken()
		p.refresh[t.RefreshToken] = &refreshSession{username: u.username, originJti: originJti, expires: now.Add(p.cfg.RefreshTokenTTL)}
	}
	return t, nil
}

// clientCredentials mints a machine-to-machine access token shaped like Cognito's.
func (p *IdP) clientCredentials(pt Partner, scopes []string) (string, error) {
	return MintClientCredentials(p.key, p.kid, p.cfg.Issuer, pt.ClientID, scopes, p.cfg.AccessTokenTTL, p.now())
}

// MintClientCredentials mints the access token Cognito's /oauth2/token returns for the
// client_credentials grant (sub and client_id the app client, token_use access, the granted
// scopes, no username), signed RS256 with key under kid. It is what the local IdP's token
// endpoint serves, and how tests and the rehearsal get partner tokens from an emulator without
// a token endpoint (moto): signed with the emulator's key and kid, the token verifies against
// the emulator's JWKS exactly as a Cognito token against the pool's. It checks nothing: the
// caller decides that clientID may have scopes.
func MintClientCredentials(key *rsa.PrivateKey, kid, issuer, clientID string, scopes []string, ttl time.Duration, now time.Time) (string, error) {
	return signWith(key, kid, map[string]any{
		"sub": clientID, "token_use": "access", "scope": strings.Join(scopes, " "), "auth_time": now.Unix(),
		"iss": issuer, "exp": now.Add(ttl).Unix(), "iat": now.Unix(), "version": 2,
		"jti": newUUID(), "client_id": clientID,
	})
}

// ParseRSAJWK parses a private RSA key in JWK form (n, e, d; p and q optional), e.g. the
// emulator's signing key, and returns it with its kid.
func ParseRSAJWK(doc []byte) (*rsa.PrivateKey, string, error) {
	var j struct {
		Kty, Kid, N, E, D, P, Q string
	}
	if err := json.Unmarshal(doc, &j); err != nil {
		return nil, "", fmt.Errorf("parse JWK: %w", err)
	}
	num := func(name, s string) (*big.Int, error) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("parse JWK: %s is not base64url", name)
		}
		return new(big.Int).SetBytes(b), nil
	}
	if j.Kty != "RSA" {
		return nil, "", fmt.Errorf("parse JWK: kty %q, want RSA", j.Kty)
	}
	n, err := num("n", j.N)
	if err != nil {
		return nil, "", err
	}
	e, err := num("e", j.E)
	if err != nil {
		return nil, "", err
	}
	d, err := num("d", j.D)
	if err != nil {
		return nil, "", err
	}
	key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())}, D: d}
	if j.P != "" && j.Q != "" {
		p, err := num("p", j.P)
		if err != nil {
			return nil, "", err
		}
		q, err := num("q", j.Q)
		if err != nil {
			return nil, "", err
		}
		key.Primes = []*big.Int{p, q}
		key.Precompute()
	}
	return key, j.Kid, nil
}

// sign produces a compact RS256 JWS with the IdP's kid.
func (p *IdP) sign(claims map[string]any) (string, error) {
	return signWith(p.key, p.kid, claims)
}

func signWith(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	h, err := json.Marshal(map[string]string{"kid": kid, "alg": "RS256"})
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ---- helpers ----

// unknownUserPassword is compared against for unknown users, so they cost what known ones do. No
// password can sign an unknown user in whatever it is (the comparison's result is ignored).
var unknownUserPassword = randomToken()

// checkPassword applies Cognito's default policy: 8+ characters with upper, lower, digit and
// symbol.
func checkPassword(pw string) error {
	var up, low, digit, sym bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			up = true
		case unicode.IsLower(r):
			low = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			sym = true
		}
	}
	var miss []string
	if len(pw) < 8 {
		miss = append(miss, "Password not long enough")
	}
	if !up {
		miss = append(miss, "Password must have uppercase characters")
	}
	if !low {
		miss = append(miss, "Password must have lowercase characters")
	}
	if !digit {
		miss = append(miss, "Password must have numeric characters")
	}
	if !sym {
		miss = append(miss, "Password must have symbol characters")
	}
	if len(pw) > 256 {
		miss = append(miss, "Password too long")
	}
	if len(miss) > 0 {
		return errors.New("Password did not conform with policy: " + strings.Join(miss, "; "))
	}
	return nil
}

func emailOf(username, email string) string {
	if email != "" {
		if strings.Contains(email, "@") {
			return strings.ToLower(email)
		}
		return ""
	}
	if strings.Contains(username, "@") {
		return username
	}
	return ""
}

// mask hides most of an address as Cognito's CodeDeliveryDetails do: d***@e***.
func mask(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return local[:1] + "***@" + domain[:1] + "***"
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
