package main

// Publishing to RabbitMQ over AMQP 0-9-1 with the standard library only: the handshake,
// one channel in confirm mode, a durable queue, and Basic.Publish with its content
// header and body. Only what publishing needs; every other frame the broker sends is
// read and skipped. One connection per publish keeps it simple and needs no heartbeats.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// broker is where events are published: its address and a user's credentials.
type broker struct {
	address, user, password string
}

const (
	frameMethod    = 1
	frameHeader    = 2
	frameBody      = 3
	frameHeartbeat = 8
	frameEnd       = 0xCE
)

// method identifies an AMQP method by class and method id.
type method struct{ class, id uint16 }

var (
	connectionStart   = method{10, 10}
	connectionStartOk = method{10, 11}
	connectionTune    = method{10, 30}
	connectionTuneOk  = method{10, 31}
	connectionOpen    = method{10, 40}
	connectionOpenOk  = method{10, 41}
	connectionClose   = method{10, 50}
	connectionCloseOk = method{10, 51}
	channelOpen       = method{20, 10}
	channelOpenOk     = method{20, 11}
	channelClose      = method{20, 40}
	queueDeclare      = method{50, 10}
	queueDeclareOk    = method{50, 11}
	basicPublish      = method{60, 40}
	basicAck          = method{60, 80}
	basicNack         = method{60, 120}
	confirmSelect     = method{85, 10}
	confirmSelectOk   = method{85, 11}
)

// conn is one AMQP connection being used by one publish.
type conn struct {
	net.Conn
	r *bufio.Reader
}

// args builds a method's arguments in AMQP's encoding.
type args struct{ bytes.Buffer }

func (a *args) short(v uint16)    { binary.Write(&a.Buffer, binary.BigEndian, v) }
func (a *args) long(v uint32)     { binary.Write(&a.Buffer, binary.BigEndian, v) }
func (a *args) longlong(v uint64) { binary.Write(&a.Buffer, binary.BigEndian, v) }
func (a *args) octet(v byte)      { a.WriteByte(v) }
func (a *args) shortstr(s string) { a.WriteByte(byte(len(s))); a.WriteString(s) }
func (a *args) longstr(s string)  { a.long(uint32(len(s))); a.WriteString(s) }
func (a *args) emptyTable()       { a.long(0) }

func (c *conn) frame(kind byte, channel uint16, payload []byte) error {
	var f bytes.Buffer
	f.WriteByte(kind)
	binary.Write(&f, binary.BigEndian, channel)
	binary.Write(&f, binary.BigEndian, uint32(len(payload)))
	f.Write(payload)
	f.WriteByte(frameEnd)
	_, err := c.Write(f.Bytes())
	return err
}

func (c *conn) send(channel uint16, m method, a *args) error {
	var payload bytes.Buffer
	binary.Write(&payload, binary.BigEndian, m.class)
	binary.Write(&payload, binary.BigEndian, m.id)
	if a != nil {
		payload.Write(a.Bytes())
	}
	return c.frame(frameMethod, channel, payload.Bytes())
}

// next reads frames until a method frame, skipping heartbeats; a Connection.Close or
// Channel.Close from the broker is the error it carries.
func (c *conn) next() (method, []byte, error) {
	for {
		head := make([]byte, 7)
		if _, err := io.ReadFull(c.r, head); err != nil {
			return method{}, nil, err
		}
		size := binary.BigEndian.Uint32(head[3:7])
		payload := make([]byte, size+1)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return method{}, nil, err
		}
		if payload[size] != frameEnd {
			return method{}, nil, fmt.Errorf("amqp: malformed frame")
		}
		if head[0] != frameMethod || size < 4 {
			continue
		}
		m := method{binary.BigEndian.Uint16(payload[0:2]), binary.BigEndian.Uint16(payload[2:4])}
		body := payload[4:size]
		if m == connectionClose || m == channelClose {
			// reply-code, then reply-text as a short string.
			if len(body) >= 3 && int(body[2])+3 <= len(body) {
				return m, body, fmt.Errorf("amqp: broker closed: %d %s",
					binary.BigEndian.Uint16(body[0:2]), body[3:3+int(body[2])])
			}
			return m, body, fmt.Errorf("amqp: broker closed the connection")
		}
		return m, body, nil
	}
}

// expect reads the next method and fails unless it is `want`.
func (c *conn) expect(want method) ([]byte, error) {
	got, body, err := c.next()
	if err != nil {
		return nil, err
	}
	if got != want {
		return nil, fmt.Errorf("amqp: expected method %d.%d, got %d.%d", want.class, want.id, got.class, got.id)
	}
	return body, nil
}

// publish puts body on the durable queue `queue` and returns once the broker confirms it
// took the message (publisher confirms), so a 202 from ingest means the broker has it.
func (b broker) publish(queue string, body []byte) error {
	raw, err := net.DialTimeout("tcp", b.address, 2*time.Second)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(5 * time.Second))
	c := &conn{raw, bufio.NewReader(raw)}
	if _, err := c.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return err
	}
	if _, err := c.expect(connectionStart); err != nil {
		return err
	}
	startOk := &args{}
	startOk.emptyTable() // client properties
	startOk.shortstr("PLAIN")
	startOk.longstr("\x00" + b.user + "\x00" + b.password)
	startOk.shortstr("en_US")
	if err := c.send(0, connectionStartOk, startOk); err != nil {
		return err
	}
	tune, err := c.expect(connectionTune)
	if err != nil {
		return err
	}
	tuneOk := &args{}
	tuneOk.short(binary.BigEndian.Uint16(tune[0:2])) // channel-max as offered
	tuneOk.long(binary.BigEndian.Uint32(tune[2:6]))  // frame-max as offered
	tuneOk.short(0)                                  // no heartbeats: the connection is short
	if err := c.send(0, connectionTuneOk, tuneOk); err != nil {
		return err
	}
	open := &args{}
	open.shortstr("/")
	open.shortstr("")
	open.octet(0)
	if err := c.send(0, connectionOpen, open); err != nil {
		return err
	}
	if _, err := c.expect(connectionOpenOk); err != nil {
		return err
	}
	channel := &args{}
	channel.shortstr("")
	if err := c.send(1, channelOpen, channel); err != nil {
		return err
	}
	if _, err := c.expect(channelOpenOk); err != nil {
		return err
	}
	confirm := &args{}
	confirm.octet(0) // wait for Select-Ok
	if err := c.send(1, confirmSelect, confirm); err != nil {
		return err
	}
	if _, err := c.expect(confirmSelectOk); err != nil {
		return err
	}
	declare := &args{}
	declare.short(0)
	declare.shortstr(queue)
	declare.octet(0b00010) // durable; not passive, exclusive, auto-delete or no-wait
	declare.emptyTable()
	if err := c.send(1, queueDeclare, declare); err != nil {
		return err
	}
	if _, err := c.expect(queueDeclareOk); err != nil {
		return err
	}
	pub := &args{}
	pub.short(0)
	pub.shortstr("") // the default exchange routes by queue name
	pub.shortstr(queue)
	pub.octet(0)
	if err := c.send(1, basicPublish, pub); err != nil {
		return err
	}
	header := &args{}
	header.short(60) // class basic
	header.short(0)  // weight
	header.longlong(uint64(len(body)))
	header.short(0x8000 | 0x1000) // content-type and delivery-mode present
	header.shortstr("application/json")
	header.octet(2) // persistent
	if err := c.frame(frameHeader, 1, header.Bytes()); err != nil {
		return err
	}
	if err := c.frame(frameBody, 1, body); err != nil {
		return err
	}
	got, _, err := c.next()
	if err != nil {
		return err
	}
	switch got {
	case basicAck:
	case basicNack:
		return fmt.Errorf("amqp: the broker refused the message")
	default:
		return fmt.Errorf("amqp: expected a confirm, got method %d.%d", got.class, got.id)
	}
	closing := &args{}
	closing.short(200)
	closing.shortstr("bye")
	closing.short(0)
	closing.short(0)
	if err := c.send(0, connectionClose, closing); err != nil {
		return nil // published and confirmed: a failed goodbye changes nothing
	}
	c.expect(connectionCloseOk)
	return nil
}
