// Command ingest accepts market events over HTTP, keeps the recent ones in a Redis list
// and publishes each to RabbitMQ for its consumers, speaking the Redis protocol (RESP)
// and AMQP 0-9-1 with the standard library only.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// queue is the Redis list events go into.
const queue = "finsight:events"

// topic is the RabbitMQ queue events are published to.
const topic = "finsight.events"

// redis is one connection to Redis, used by one request at a time.
type redis struct {
	addr string
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
}

// do sends one command and returns its integer, bulk or status reply as text. A broken
// connection is dropped so the next command dials again.
func (c *redis) do(args ...string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 2*time.Second)
		if err != nil {
			return "", err
		}
		c.conn, c.r = conn, bufio.NewReader(conn)
	}
	reply, err := c.roundTrip(args)
	if err != nil {
		c.conn.Close()
		c.conn = nil
	}
	return reply, err
}

func (c *redis) roundTrip(args []string) (string, error) {
	c.conn.SetDeadline(time.Now().Add(2 * time.Second))
	command := fmt.Sprintf("*%d\r\n", len(args))
	for _, arg := range args {
		command += fmt.Sprintf("$%d\r\n%s\r\n", len(arg), arg)
	}
	if _, err := io.WriteString(c.conn, command); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 {
		return "", errors.New("short reply from redis")
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return "", errors.New("redis: " + body)
	case '$':
		size, err := strconv.Atoi(body)
		if err != nil || size < 0 {
			return "", err
		}
		data := make([]byte, size+2)
		if _, err := io.ReadFull(c.r, data); err != nil {
			return "", err
		}
		return string(data[:size]), nil
	}
	return "", fmt.Errorf("unexpected redis reply %q", line)
}

type event struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
	At     string  `json:"at,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(value)
}

func main() {
	store := &redis{addr: envOr("REDIS_ADDR", "localhost:6379")}
	bus := broker{
		address:  envOr("AMQP_ADDR", "localhost:5672"),
		user:     envOr("AMQP_USER", "guest"),
		password: envOr("AMQP_PASSWORD", "guest"),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if _, err := store.do("PING"); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		var e event
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&e); err != nil || e.Symbol == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send {\"symbol\": \"ACME\", \"price\": 1.5}"})
			return
		}
		if e.At == "" {
			e.At = time.Now().UTC().Format(time.RFC3339Nano)
		}
		payload, _ := json.Marshal(e)
		length, err := store.do("RPUSH", queue, string(payload))
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		n, _ := strconv.Atoi(length)
		if err := bus.publish(topic, payload); err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"queued": n, "queue": queue, "published": topic})
	})
	mux.HandleFunc("GET /events/count", func(w http.ResponseWriter, r *http.Request) {
		length, err := store.do("LLEN", queue)
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		n, _ := strconv.Atoi(length)
		writeJSON(w, http.StatusOK, map[string]int{"count": n})
	})
	addr := ":" + envOr("PORT", "8002")
	log.Printf("ingest: listening on %s, queueing into %s at %s, publishing to %s at %s", addr, queue, store.addr, topic, bus.address)
	log.Fatal(http.ListenAndServe(addr, mux))
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
