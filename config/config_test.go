package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestExampleIsTheDefault(t *testing.T) {
	b, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	want := Default()
	if c.Timezone != want.Timezone || c.Store != want.Store || c.Reminders != want.Reminders ||
		c.HTTP != want.HTTP || c.Log != want.Log || c.DingTalk != want.DingTalk || len(c.Admins) != 0 {
		t.Errorf("config.example.yaml differs from Default():\n got %+v\nwant %+v", c, want)
	}
}

func TestParse(t *testing.T) {
	env := map[string]string{"SECRET": "s3cret", "ID": "dingabc"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name    string
		yaml    string
		check   func(t *testing.T, c Config)
		wantErr []string // every fragment must appear in the error
	}{
		{
			name: "empty file gives defaults",
			yaml: "",
			check: func(t *testing.T, c Config) {
				if c.Reminders.CatchUp != time.Hour || c.Store.Path != "xuexibot.db" {
					t.Errorf("defaults lost: %+v", c)
				}
			},
		},
		{
			name: "env expansion",
			yaml: "dingtalk:\n  client_id: ${ID}\n  client_secret: \"${SECRET}\"\nadmins: [\"a1\"]\n",
			check: func(t *testing.T, c Config) {
				if c.DingTalk.ClientSecret != "s3cret" || c.DingTalk.ClientID != "dingabc" || c.DingTalk.Robot() != "dingabc" {
					t.Errorf("expansion: %+v", c.DingTalk)
				}
			},
		},
		{
			name:    "every problem at once",
			yaml:    "timezone: Mars/Base\nstore:\n  redis_url: http://x\nlog:\n  format: xml\nhttp:\n  public_url: nope\ndingtalk:\n  client_secret: ${MISSING}\n",
			wantErr: []string{"Mars/Base", "store.redis_url", "log.format", "http.public_url", "MISSING"},
		},
		{
			name:    "token required off loopback",
			yaml:    "http:\n  listen: \"0.0.0.0:8080\"\n",
			wantErr: []string{"http.token"},
		},
		{
			name:    "unknown key",
			yaml:    "dingtalk:\n  clientid: x\n",
			wantErr: []string{"clientid"},
		},
		{
			name:    "id without secret",
			yaml:    "dingtalk:\n  client_id: x\n",
			wantErr: []string{"client_secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml), lookup)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tt.check(t, c)
				return
			}
			if err == nil {
				t.Fatalf("no error, want %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
