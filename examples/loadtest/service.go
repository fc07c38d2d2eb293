package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// The ways a call can go wrong, for the report's counts. Errors wrap one
// of them, and never hold a token.
var (
	errTransport = errors.New("transport error")
	errServer    = errors.New("5xx answer")
	errAnswer    = errors.New("answer the fixie-creds contract does not allow")
)

// tokenPattern matches a token as the service issues them.
var tokenPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// service calls the fixie-creds service mounted at base + "/creds".
type service struct {
	base string
	hc   *http.Client
}

// register registers a new user and returns its token.
func (s *service) register(ctx context.Context, user, email string) (string, error) {
	return s.issue(ctx, "register", map[string]string{"user": user, "email": email})
}

// reset gives user a new token and returns it.
func (s *service) reset(ctx context.Context, user, email string) (string, error) {
	return s.issue(ctx, "reset", map[string]string{"user": user, "email": email})
}

// deregister removes user, who holds token.
func (s *service) deregister(ctx context.Context, user, token string) error {
	var answer struct {
		Status  bool   `json:"status"`
		Message string `json:"message"`
	}
	if err := s.post(ctx, "deregister", map[string]string{"user": user, "token": token}, &answer); err != nil {
		return err
	}
	if !answer.Status || answer.Message != user+" deregistered" {
		return fmt.Errorf("deregister %s: %w: %q", user, errAnswer, answer.Message)
	}
	return nil
}

// issue calls register or reset and returns the token it answers.
func (s *service) issue(ctx context.Context, op string, fields map[string]string) (string, error) {
	var answer struct {
		Status  bool   `json:"status"`
		Token   string `json:"token"`
		Message string `json:"message"`
	}
	if err := s.post(ctx, op, fields, &answer); err != nil {
		return "", err
	}
	if !answer.Status || !tokenPattern.MatchString(answer.Token) {
		return "", fmt.Errorf("%s %s: %w: status %t, %q", op, fields["user"], errAnswer, answer.Status, answer.Message)
	}
	return answer.Token, nil
}

// post sends fields as JSON to /creds/op and decodes a 200 answer into
// answer.
func (s *service) post(ctx context.Context, op string, fields map[string]string, answer any) error {
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/creds/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w: %w", op, fields["user"], errTransport, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: %w: %w", op, fields["user"], errTransport, err)
	case resp.StatusCode >= 500:
		return fmt.Errorf("%s %s: %w: %s", op, fields["user"], errServer, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%s %s: %w: %s", op, fields["user"], errAnswer, resp.Status)
	}
	if err := json.Unmarshal(data, answer); err != nil {
		return fmt.Errorf("%s %s: %w: not JSON", op, fields["user"], errAnswer)
	}
	return nil
}
