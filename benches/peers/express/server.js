// The seed reference design: Express, raw body, HMAC-SHA1 verify (node:crypto), JSON.parse.
// Usage: node server.js PORT SECRET
const express = require('express');
const crypto = require('node:crypto');
const port = Number(process.argv[2] || 8791);
const secret = process.argv[3] || 'bench-callback-token';
const app = express();
app.post('*', express.raw({ type: '*/*', limit: '25mb' }), (req, res) => {
  const sig = req.get('x-salesloft-signature') || '';
  const expected = crypto.createHmac('sha1', secret).update(req.body).digest('hex');
  const a = Buffer.from(sig, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    return res.status(401).json({ error: 'invalid signature' });
  }
  const event = JSON.parse(req.body.toString('utf8'));
  res.status(200).json({ received: true, id: event.id });
});
app.listen(port, '127.0.0.1');
