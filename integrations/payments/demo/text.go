package demopay

import "github.com/skybridge/skybridge/domain"

// text is the page's wording in one language.
type text struct {
	Title, PayingFor, Amount, Pay, Decline, Demo, Paid, Declined, Expired, Back, NotFound string
}

// texts holds the page in the languages of the built-in catalogues; others read
// English.
var texts = map[domain.Lang]text{
	"en": {Title: "Payment", PayingFor: "You are paying for", Amount: "Amount", Pay: "Pay", Decline: "Decline",
		Demo: "Demo payment page: no card is needed and nothing is charged.", Paid: "Payment received. Thank you!",
		Declined: "Payment declined. Nothing was charged.", Expired: "This payment link has expired.",
		Back: "Back to the chat", NotFound: "This payment link does not exist."},
	"fr": {Title: "Paiement", PayingFor: "Vous payez", Amount: "Montant", Pay: "Payer", Decline: "Refuser",
		Demo: "Page de paiement de démonstration : aucune carte n'est demandée, rien n'est débité.",
		Paid: "Paiement reçu. Merci !", Declined: "Paiement refusé. Rien n'a été débité.",
		Expired: "Ce lien de paiement a expiré.", Back: "Retour à la conversation", NotFound: "Ce lien de paiement n'existe pas."},
	"nl": {Title: "Betaling", PayingFor: "U betaalt voor", Amount: "Bedrag", Pay: "Betalen", Decline: "Weigeren",
		Demo: "Demobetaalpagina: er is geen kaart nodig en er wordt niets afgeschreven.",
		Paid: "Betaling ontvangen. Dank u!", Declined: "Betaling geweigerd. Er is niets afgeschreven.",
		Expired: "Deze betaallink is verlopen.", Back: "Terug naar de chat", NotFound: "Deze betaallink bestaat niet."},
	"de": {Title: "Zahlung", PayingFor: "Sie bezahlen für", Amount: "Betrag", Pay: "Bezahlen", Decline: "Ablehnen",
		Demo: "Demo-Zahlungsseite: keine Karte nötig, es wird nichts belastet.",
		Paid: "Zahlung erhalten. Vielen Dank!", Declined: "Zahlung abgelehnt. Es wurde nichts belastet.",
		Expired: "Dieser Zahlungslink ist abgelaufen.", Back: "Zurück zum Chat", NotFound: "Diesen Zahlungslink gibt es nicht."},
	"es": {Title: "Pago", PayingFor: "Está pagando", Amount: "Importe", Pay: "Pagar", Decline: "Rechazar",
		Demo: "Página de pago de demostración: no se necesita tarjeta y no se cobra nada.",
		Paid: "Pago recibido. ¡Gracias!", Declined: "Pago rechazado. No se ha cobrado nada.",
		Expired: "Este enlace de pago ha caducado.", Back: "Volver al chat", NotFound: "Este enlace de pago no existe."},
	"pt": {Title: "Pagamento", PayingFor: "Está a pagar", Amount: "Montante", Pay: "Pagar", Decline: "Recusar",
		Demo: "Página de pagamento de demonstração: não é preciso cartão e nada é cobrado.",
		Paid: "Pagamento recebido. Obrigado!", Declined: "Pagamento recusado. Nada foi cobrado.",
		Expired: "Esta ligação de pagamento expirou.", Back: "Voltar ao chat", NotFound: "Esta ligação de pagamento não existe."},
}

func textFor(l domain.Lang) text {
	if t, ok := texts[l]; ok {
		return t
	}
	return texts["en"]
}
